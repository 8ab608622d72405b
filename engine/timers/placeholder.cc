// Placeholder so the layer's library exists before its sources land.
