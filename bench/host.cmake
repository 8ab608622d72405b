# The host's own 2-thread scaling, the ceiling of every 2-thread ratio.
boxoffice_benchmark(host_bench host_bench.cc)
