# Sourced by the noisy-evaluation benchmarks, which need $bin (the noisesweep binary) and run
# from the repository's root (data/mnist).

# The paper's 784-300-300-10 sigmoid network trained for one epoch on MNIST, saved to $1.
train_paper_network() {
  "$bin" train studies/runs/mnist-baseline.toml --set train.epochs=1 --save-weights "$1" > /dev/null
}

# The header of a result file: which build measured, on which CPU.
print_build_and_cpu() {
  echo "noisesweep: $("$bin" --version | head -1)"
  echo "CPU: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
}
