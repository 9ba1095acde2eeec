"""noisesweep from Python: study archives as pandas DataFrames, and weights files to and from
PyTorch.

    import noisesweep.archive    # h5py, numpy; pandas for the DataFrames
    import noisesweep.torch_io   # h5py, numpy, torch

The modules are imported on demand, so that reading an archive never needs torch and the
figures (analysis/plots.py, which share this package's reader) never need pandas or torch.
Nothing here links to noisesweep's C++ code: the files are plain HDF5, and these readers check
them as strictly as the program does, so that a file Python accepts is one the program accepts.
"""

__all__ = ["archive", "torch_io"]
