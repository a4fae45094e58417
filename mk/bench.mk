# make bench: every benchmark in scripts/ (scripts/bench.sh), side by side with and without the
# library in one run; writes docs/benchmarks.md and docs/herd.png. Installs what it needs
# (nginx, valgrind, hyperfine, gnuplot) with apt-get, and builds into a private directory of
# its own (so a make in build/ cannot change the library mid-run). Not part of make check.
.PHONY: bench
bench:
	scripts/bench.sh
