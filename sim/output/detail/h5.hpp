#pragma once
// Thin RAII layer over the HDF5 C API used by the run and sweep writers. Internal to
// sim/output: failures throw h5::Error (without the file name); the public functions
// catch it and rethrow OutputError naming the file.

#include "sim/output/file_image.hpp"

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pricewar::h5 {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// HDF5's error stack of the calling thread as one line, then cleared.
std::string take_error_text();

// Throws Error("what: <HDF5's most specific message>").
[[noreturn]] void fail(std::string_view what);
inline hid_t check(hid_t id, std::string_view what) {
    if (id < 0) fail(what);
    return id;
}
inline void check_status(herr_t status, std::string_view what) {
    if (status < 0) fail(what);
}

// While alive: HDF5 prints nothing on errors (the previous handler is restored afterwards),
// and on HDF5 builds without their own thread safety all HDF5 calls of this library are
// serialised. Every public entry point holds one.
class Session {
public:
    Session();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

private:
#ifndef H5_HAVE_THREADSAFE
    std::unique_lock<std::recursive_mutex> lock_;
#endif
    H5E_auto2_t old_func_ = nullptr;
    void* old_data_ = nullptr;
};

// One owned HDF5 identifier of any kind, closed with the matching H5?close.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    ~Handle() { reset(); }

    [[nodiscard]] hid_t get() const { return id_; }
    [[nodiscard]] bool valid() const { return id_ >= 0; }
    // Closes now and reports the status (a file's close is where buffered data hits the disk).
    herr_t close() noexcept;
    void reset() noexcept { (void)close(); }

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Element types: the in-memory type and the portable type stored in files.
template <class T>
struct Type;
template <>
struct Type<double> {
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
    static hid_t file() { return H5T_IEEE_F64LE; }
};
template <>
struct Type<std::int32_t> {
    static hid_t memory() { return H5T_NATIVE_INT32; }
    static hid_t file() { return H5T_STD_I32LE; }
};
template <>
struct Type<std::int64_t> {
    static hid_t memory() { return H5T_NATIVE_INT64; }
    static hid_t file() { return H5T_STD_I64LE; }
};
template <>
struct Type<std::uint64_t> {
    static hid_t memory() { return H5T_NATIVE_UINT64; }
    static hid_t file() { return H5T_STD_U64LE; }
};

// Variable-length UTF-8 string type.
Handle string_type();

// Datasets. dims empty = scalar (0-d). A dataset with elements is chunked (chunk = the hint
// clamped to the shape, or the whole shape); numeric chunked datasets carry Fletcher-32
// checksums, so a damaged chunk fails to read instead of returning wrong numbers.
struct DatasetOptions {
    std::vector<hsize_t> chunk;  // empty: one chunk for the whole dataset
    bool compress = false;       // shuffle + deflate where the library has deflate
};

// The property lists, string type and scalar dataspace that creating objects needs, each made
// on first use and then reused. Making, filling and closing a property list costs HDF5 tens of
// thousands of instructions, a third of what creating a small dataset costs, so a writer that
// creates many objects in one file keeps one Templates for it (a run file: 14 % fewer
// instructions). The overloads without a Templates make their own for that one call. Not
// shared between threads.
class Templates {
public:
    hid_t string_type();
    hid_t scalar_space();
    hid_t group_create_list();
    hid_t dataset_create_list(hid_t file_type, const std::vector<hsize_t>& dims, const DatasetOptions& options);
    // For writing `count` variable-length strings: a conversion buffer sized to them.
    hid_t string_transfer_list(std::size_t count);

private:
    // Everything a dataset creation list depends on.
    struct DatasetKey {
        bool nan_fill = false;
        bool variable = false;
        bool compress = false;
        std::vector<hsize_t> chunk;  // empty: not chunked
        bool operator==(const DatasetKey&) const = default;
    };
    static DatasetKey dataset_key(hid_t file_type, const std::vector<hsize_t>& dims, const DatasetOptions& options);
    static Handle make_dataset_create_list(const DatasetKey& key);

    Handle string_type_;
    Handle scalar_space_;
    Handle group_create_list_;
    Handle string_transfer_list_;
    std::size_t string_transfer_bytes_ = 0;
    std::vector<std::pair<DatasetKey, Handle>> dataset_create_lists_;
};

// Files. create_file truncates; both set the 1.8 object format (creation-order tracking,
// checksummed object headers) and no modification times, so equal input gives equal bytes.
Handle create_file(const std::string& path);
Handle open_file_read(const std::string& path);
void close_file(Handle& file);
// A file built in memory (core driver, no backing store): the disk is never touched, so a full
// disk cannot make HDF5 fail; its bytes are then taken with file_image() and written by the
// caller. `name` only identifies it among open files. (HDF5 1.10 leaves a dangling file ID
// behind when H5Fclose fails to flush, which is why run files are written this way.)
// `expected_bytes` sizes the memory the driver takes at once (it grows in steps of that size).
// Its chunk indexes are sized for datasets of one chunk each (more chunks work, with deeper
// indexes).
Handle create_memory_file(const std::string& name, std::size_t expected_bytes = std::size_t{1} << 20);
// The complete bytes of an open file (flushed first).
FileImage file_image(hid_t file);

// Groups: created with link creation order tracked, so members list in the order written.
Handle create_group(Templates& templates, hid_t loc, const std::string& name);
inline Handle create_group(hid_t loc, const std::string& name) {
    Templates templates;
    return create_group(templates, loc, name);
}
Handle open_group(hid_t loc, const std::string& name);
bool has_link(hid_t loc, const std::string& name);
// Member names in creation order where tracked, else in name order. Dimension scales (the
// coordinate datasets `turn`, `vendor`, `offer`, `run`) and the coordinate variables (`date`,
// `vendor_name`, `offer_name`) are left out: callers list the data.
std::vector<std::string> member_names(hid_t group);
bool is_scale(hid_t dataset);

// Attributes. The overloads taking Templates reuse its types and dataspaces.
bool has_attr(hid_t obj, const std::string& name);
void set_attr(Templates& templates, hid_t obj, const std::string& name, const std::string& value);
void set_attr(Templates& templates, hid_t obj, const std::string& name, const std::vector<std::string>& values);
template <class T>
void set_attr(Templates& templates, hid_t obj, const std::string& name, T value);
inline void set_attr(Templates& templates, hid_t obj, const std::string& name, const char* value) {
    set_attr(templates, obj, name, std::string(value));
}
inline void set_attr(hid_t obj, const std::string& name, const std::string& value) {
    Templates templates;
    set_attr(templates, obj, name, value);
}
inline void set_attr(hid_t obj, const std::string& name, const char* value) {
    set_attr(obj, name, std::string(value));
}
inline void set_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
    Templates templates;
    set_attr(templates, obj, name, values);
}
template <class T>
void set_attr(hid_t obj, const std::string& name, T value) {
    Templates templates;
    set_attr<T>(templates, obj, name, value);
}
std::string attr_string(hid_t obj, const std::string& name);
std::vector<std::string> attr_strings(hid_t obj, const std::string& name);
template <class T>
T attr_value(hid_t obj, const std::string& name);

// Datasets (see DatasetOptions above).
Handle create_dataset(Templates& templates, hid_t loc, const std::string& name, hid_t file_type,
                      const std::vector<hsize_t>& dims, const DatasetOptions& options = {});
inline Handle create_dataset(hid_t loc, const std::string& name, hid_t file_type, const std::vector<hsize_t>& dims,
                             const DatasetOptions& options = {}) {
    Templates templates;
    return create_dataset(templates, loc, name, file_type, dims, options);
}
Handle create_string_dataset(hid_t loc, const std::string& name, hsize_t length, const DatasetOptions& options = {});
Handle open_dataset(hid_t loc, const std::string& name);
std::vector<hsize_t> shape(hid_t dataset);

// Whole-dataset and hyperslab (block) I/O; start/count have one entry per dimension.
template <class T>
void write_all(hid_t dataset, std::span<const T> values);
template <class T>
void write_block(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                 std::span<const T> values);
void write_strings_block(Templates& templates, hid_t dataset, hsize_t first, std::span<const std::string> values);
inline void write_strings_block(hid_t dataset, hsize_t first, std::span<const std::string> values) {
    Templates templates;
    write_strings_block(templates, dataset, first, values);
}
// Direct chunk write: stores `bytes` as the chunk whose first element is at `offset`, skipping
// the dataset's filters; the bytes must be what the filter pipeline would make of the chunk
// (detail::filter_chunk), with bit k of filter_mask set for each filter k it skipped. Reading
// runs the pipeline backwards as for any chunk, checksum included.
void write_chunk(hid_t dataset, const std::vector<hsize_t>& offset, std::span<const std::byte> bytes,
                 std::uint32_t filter_mask);
// A dataset's chunk shape (empty when not chunked) and the ids of its filters, in pipeline order.
struct ChunkLayout {
    std::vector<hsize_t> shape;
    std::vector<H5Z_filter_t> filters;
};
ChunkLayout chunk_layout(hid_t dataset);
template <class T>
std::vector<T> read_all(hid_t dataset);
template <class T>
void read_block(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count, std::span<T> out);
std::vector<std::string> read_strings(hid_t dataset);

// Convenience: create + write + units attribute (units empty: no attribute). Return the
// dataset, still open.
template <class T>
Handle write_dataset(Templates& templates, hid_t loc, const std::string& name, const std::vector<hsize_t>& dims,
                     std::span<const T> values, const std::string& units, const DatasetOptions& options = {});
template <class T>
Handle write_dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, std::span<const T> values,
                     const std::string& units, const DatasetOptions& options = {}) {
    Templates templates;
    return write_dataset<T>(templates, loc, name, dims, values, units, options);
}
Handle write_string_dataset(Templates& templates, hid_t loc, const std::string& name,
                            const std::vector<std::string>& values);
inline Handle write_string_dataset(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
    Templates templates;
    return write_string_dataset(templates, loc, name, values);
}

// Dimension scales, as the HDF5 high-level library (H5DS) records them, written in one pass:
// the constructor makes the datasets `scales` of `group` (which must exist) dimension scales
// (CLASS, NAME); attach() labels axis k of an open dataset of the group with scales[k]
// (DIMENSION_LIST); finish() writes each scale's list of the datasets it labels
// (REFERENCE_LIST). H5DS functions and netCDF readers (h5netcdf, xarray) read them. Doing it
// with H5DSattach_scale, which rewrites the scale's list at each attachment, doubled the cost
// of writing a run file.
class AxisLabels {
public:
    AxisLabels(Templates& templates, hid_t group, std::vector<std::string> scales);
    // Axis k of the dataset gets scales[k], for every scale.
    void attach(hid_t dataset, const std::string& name);
    // Axis k of the dataset gets scales[axes[k]] (a coordinate variable over some of the axes).
    void attach(hid_t dataset, const std::string& name, const std::vector<std::size_t>& axes);
    void finish();

private:
    Templates& templates_;
    hid_t group_;
    std::vector<std::string> scales_;
    std::vector<hobj_ref_t> scale_refs_;
    std::vector<std::vector<std::pair<hobj_ref_t, int>>> back_refs_;  // per scale: (dataset, axis)
    Handle list_type_;
    std::vector<Handle> list_spaces_;  // by number of axes
};

}  // namespace pricewar::h5
