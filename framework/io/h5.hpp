#pragma once
// A thin RAII layer over the HDF5 C API: files, groups, attributes and whole-array datasets.
// Every C call goes through one checked helper (h5.cpp) that turns a failure into
// ns::ArchiveError naming the file, the object path and HDF5's own error stack, with HDF5's
// automatic stderr printing silenced for the duration of that call only.
//
// Conventions, chosen so h5py and h5dump see what a Python user expects:
//  - Eigen matrices are stored row-major with shape (rows, cols), whatever Eigen's layout.
//  - Strings are variable-length UTF-8 (h5py reads them as str); fixed-length ones also read.
//  - Reads never narrow silently: the stored type must be of the same class (float, integer,
//    string) and no wider than the requested one; integers must also fit in the requested
//    signedness (unsigned values are read as signed ones only into a wider type).
//  - Objects are created without modification times, so the same content gives the same bytes.
//  - Tables are 1-D compound datasets: numpy structured arrays in h5py, so
//    pandas.DataFrame(file["table"][:]) loads one in a single read.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <hdf5.h>
#include <Eigen/Core>

namespace ns::h5 {

// Owns one HDF5 identifier and releases it with the matching H5?close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  ~Handle();
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  // Gives up ownership: the caller closes the identifier.
  hid_t release() {
    close_ = nullptr;
    return std::exchange(id_, H5I_INVALID_HID);
  }

 private:
  void reset() noexcept;
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// One column of a table: a name and one value per row. Strings are stored fixed-length
// (UTF-8, NUL-padded to the column's longest value) because numpy maps those to a native 'S'
// column, where variable-length ones would become Python objects.
struct Column {
  using Values = std::variant<std::vector<std::string>, std::vector<std::int64_t>,
                              std::vector<std::uint64_t>, std::vector<double>>;
  std::string name;
  Values values;
};

class Group {
 public:
  // Object path inside the file ("/" for the root) and the file's path on disk.
  const std::string& path() const { return path_; }
  const std::string& file_path() const { return file_; }
  // The raw identifier, for the rare call this wrapper does not cover; stays owned here.
  hid_t id() const { return id_.get(); }

  // --- children (single names or relative paths such as "layers/0") ---
  Group create_group(const std::string& name);
  Group group(const std::string& name) const;  // throws, naming the path, if it is missing
  bool has(const std::string& name) const;     // any kind of object: group or dataset
  std::vector<std::string> children() const;   // direct children, in name order

  // --- attributes; setting an existing attribute replaces it ---
  void set_attr(const std::string& name, const std::string& value);
  void set_attr(const std::string& name, const char* value) { set_attr(name, std::string(value)); }
  void set_attr(const std::string& name, double value);
  void set_attr(const std::string& name, std::int64_t value);
  void set_attr(const std::string& name, int value) { set_attr(name, std::int64_t{value}); }
  void set_attr(const std::string& name, std::uint64_t value);
  void set_attr(const std::string& name, const std::vector<double>& values);
  void set_attr(const std::string& name, const std::vector<std::int64_t>& values);
  void set_attr(const std::string& name, const std::vector<std::string>& values);  // 1-D
  bool has_attr(const std::string& name) const;
  std::vector<std::string> attr_names() const;  // in name order
  std::string get_attr_string(const std::string& name) const;
  double get_attr_double(const std::string& name) const;
  std::int64_t get_attr_int64(const std::string& name) const;
  std::uint64_t get_attr_uint64(const std::string& name) const;
  std::vector<double> get_attr_doubles(const std::string& name) const;
  std::vector<std::int64_t> get_attr_int64s(const std::string& name) const;
  std::vector<std::string> get_attr_strings(const std::string& name) const;

  // --- datasets: written whole, once; data is row-major (C order) with the given shape ---
  void write(const std::string& name, const float* data, const std::vector<hsize_t>& dims);
  void write(const std::string& name, const double* data, const std::vector<hsize_t>& dims);
  void write(const std::string& name, const std::int32_t* data, const std::vector<hsize_t>& dims);
  void write(const std::string& name, const std::int64_t* data, const std::vector<hsize_t>& dims);
  void write(const std::string& name, const std::vector<std::string>& strings);  // 1-D
  void write(const std::string& name, const Eigen::MatrixXf& m);  // shape (rows, cols)
  void write(const std::string& name, const Eigen::MatrixXd& m);
  void write(const std::string& name, const Eigen::VectorXf& v);  // shape (size)
  void write(const std::string& name, const Eigen::VectorXd& v);
  // A scalar string dataset: for texts that may outgrow an attribute's 64 KiB limit.
  void write_text(const std::string& name, const std::string& text);
  // A 1-D compound dataset, one row per element; every column must have the same length.
  void write_table(const std::string& name, const std::vector<Column>& columns);

  // Read a whole dataset; `out` is resized, the stored shape is returned.
  std::vector<hsize_t> read(const std::string& name, std::vector<float>& out) const;
  std::vector<hsize_t> read(const std::string& name, std::vector<double>& out) const;
  std::vector<hsize_t> read(const std::string& name, std::vector<std::int32_t>& out) const;
  std::vector<hsize_t> read(const std::string& name, std::vector<std::int64_t>& out) const;
  std::vector<hsize_t> read(const std::string& name, std::vector<std::uint64_t>& out) const;
  std::vector<hsize_t> read(const std::string& name, std::vector<std::string>& out) const;
  void read(const std::string& name, Eigen::MatrixXf& out) const;  // needs a 2-D dataset
  void read(const std::string& name, Eigen::MatrixXd& out) const;
  void read(const std::string& name, Eigen::VectorXf& out) const;  // needs a 1-D dataset
  void read(const std::string& name, Eigen::VectorXd& out) const;
  std::string read_text(const std::string& name) const;  // needs a single string
  // Every field of a 1-D compound dataset, in stored order: strings (fixed or variable
  // length), integers as int64 or uint64 by their signedness, floats as double.
  std::vector<Column> read_table(const std::string& name) const;
  std::vector<hsize_t> dims(const std::string& name) const;  // stored shape of a dataset

 private:
  friend class File;
  Group(Handle id, std::string file, std::string path)
      : id_(std::move(id)), file_(std::move(file)), path_(std::move(path)) {}

  Handle id_;
  std::string file_, path_;
};

// Groups opened from a File keep the file open after the File object is gone (HDF5 closes a
// file only when its last object closes), so `File::open_read(p).root()` is safe.
class File {
 public:
  static File create(const std::string& path);     // truncates an existing file
  static File open_read(const std::string& path);  // clear errors if missing or not HDF5
  static File open_rw(const std::string& path);
  // Opens a file to append to it while readers may read it (HDF5's single-writer/multiple-
  // reader mode; the file must have been created by create_appendable). Takes no HDF5 file lock,
  // so a reader that keeps the file open never blocks the writer: the caller keeps writers apart
  // (archives: archive_lock.hpp). Refuses a file that a killed writer left open: its space
  // bookkeeping may be behind what that writer wrote, so appending could overwrite it. open_read()
  // reads such a file, and a file while a writer appends, as the writer last left it consistent.
  static File open_append(const std::string& path);
  // Whether a writer that appended to `path` was killed before it closed the file.
  static bool left_open_by_writer(const std::string& path);
  // Creates (truncates) a file at `path` for open_append(): in HDF5 1.10's file format, the
  // oldest that single-writer/multiple-reader access works with, pinned so that files stay
  // readable by HDF5 1.10 whatever library writes them.
  static File create_appendable(const std::string& path);
  // Closes the file, checked: every object opened from it must be closed first. A close that
  // cannot write what HDF5 still holds (a full disk) throws. Afterwards the File holds nothing.
  void close();

  Group root() const;
  void flush();  // push everything written so far to disk (crash safety)
  void sync();   // flush, then fsync: what was written also survives a power loss
  // A file that lives in memory only (HDF5's core driver without a backing store); `name`
  // stands for it in messages. take_image() turns it into the bytes of an HDF5 file.
  static File create_in_memory(const std::string& name);
  // The whole file as bytes, and the file closed. Every group and dataset opened from it must
  // be closed first; anything else is refused. Afterwards the File holds nothing.
  std::string take_image();
  const std::string& path() const { return path_; }

 private:
  File(Handle id, std::string path) : id_(std::move(id)), path_(std::move(path)) {}
  static File open(const std::string& path, unsigned flags, hid_t fapl = H5P_DEFAULT);

  Handle id_;
  std::string path_;
};

// Builds a whole HDF5 file in memory, filled by `fill`, and returns its bytes. HDF5 then never
// writes to disk itself: the caller writes the bytes with checked calls (io/posix_file.hpp), so
// a full disk fails there, with errno's reason, and never inside HDF5's own close or at exit.
std::string build_image(const std::string& name, const std::function<void(Group& root)>& fill);

}  // namespace ns::h5
