#include "sim/output/detail/h5.hpp"

#include "sim/output/detail/chunk_filter.hpp"
#include "sim/output/detail/layout.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>

namespace pricewar::h5 {

namespace {

// HDF5 1.10 frees a file's state but keeps its ID when H5Fclose fails to flush (a full disk),
// and its atexit cleanup then crashes on that ID. Files are always closed explicitly here, so
// the cleanup is not needed: switch it off before anything initialises the library.
[[maybe_unused]] const bool atexit_cleanup_disabled = H5dont_atexit() >= 0;

#ifndef H5_HAVE_THREADSAFE
std::recursive_mutex& library_mutex() {
    static std::recursive_mutex mutex;
    return mutex;
}
#endif

// "file write failed: time = ..., errno = 28, error message = 'No space left on device', ..."
// becomes "No space left on device (file write failed)"; other messages pass unchanged.
std::string shorten(const std::string& desc) {
    static constexpr std::string_view key = "error message = '";
    const auto at = desc.find(key);
    if (at == std::string::npos) return desc;
    const auto begin = at + key.size();
    const auto end = desc.find('\'', begin);
    if (end == std::string::npos) return desc;
    std::string reason = desc.substr(begin, end - begin);
    const auto colon = desc.find(':');
    if (colon != std::string::npos && colon < at) reason += " (" + desc.substr(0, colon) + ")";
    return reason;
}

std::string object_name(hid_t obj) {
    const ssize_t length = H5Iget_name(obj, nullptr, 0);
    if (length <= 0) return "(unnamed object)";
    std::string name(static_cast<std::size_t>(length), '\0');
    if (H5Iget_name(obj, name.data(), name.size() + 1) < 0) return "(unnamed object)";
    return name;
}

[[noreturn]] void fail_on(hid_t obj, std::string_view verb, std::string_view detail = {}) {
    // Any HDF5 call clears the error stack, so take the text before asking for the name.
    const std::string text = take_error_text();
    std::string what(verb);
    what += ' ';
    what += object_name(obj);
    if (!detail.empty()) {
        what += ' ';
        what += detail;
    }
    throw Error(what + ": " + text);
}

hsize_t product(const std::vector<hsize_t>& dims) {
    return std::accumulate(dims.begin(), dims.end(), hsize_t{1}, std::multiplies<>());
}

// earliest_format: let the library pick the oldest format able to hold each object (superblock
// version 0) instead of the 1.8 format throughout (superblock version 2, checksummed headers).
Handle file_access_list(bool earliest_format = false) {
    Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "cannot create a file access property list"));
    check_status(
        H5Pset_libver_bounds(fapl.get(), earliest_format ? H5F_LIBVER_EARLIEST : H5F_LIBVER_V18, H5F_LIBVER_V18),
        "cannot set the file format");
    // Closing a file with objects still open is a bug here: make H5Fclose fail rather than
    // silently keep the file open (and unflushed).
    check_status(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "cannot set the close degree");
#if H5_VERSION_GE(1, 10, 7) && !(H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 12 && H5_VERS_RELEASE < 1)
    // Lock where the file system supports it; do not fail where it does not (NFS).
    check_status(H5Pset_file_locking(fapl.get(), true, true), "cannot set file locking");
#endif
    return fapl;
}

Handle dataspace(const std::vector<hsize_t>& dims) {
    if (dims.empty()) return Handle(check(H5Screate(H5S_SCALAR), "cannot create a dataspace"));
    return Handle(
        check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "cannot create a dataspace"));
}

hsize_t element_count(hid_t space) {
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0) fail("cannot read a dataspace");
    return static_cast<hsize_t>(n);
}

// Reads n strings of file type `file_type` (variable or fixed length) through `read`, which
// performs the H5Aread/H5Dread into the buffer with the given memory type.
std::vector<std::string> read_string_values(hid_t file_type, hid_t space, hsize_t n,
                                            const std::function<herr_t(hid_t, void*)>& read) {
    if (H5Tget_class(file_type) != H5T_STRING) throw Error("expected a string, found another type");
    std::vector<std::string> out;
    out.reserve(n);
    if (n == 0) return out;
    const htri_t variable = H5Tis_variable_str(file_type);
    if (variable < 0) fail("cannot inspect a string type");
    const H5T_cset_t cset = H5Tget_cset(file_type);
    if (variable > 0) {
        Handle memtype(check(H5Tcopy(H5T_C_S1), "cannot copy a string type"));
        check_status(H5Tset_size(memtype.get(), H5T_VARIABLE), "cannot size a string type");
        check_status(H5Tset_cset(memtype.get(), cset), "cannot set a character set");
        std::vector<char*> raw(n, nullptr);
        if (read(memtype.get(), raw.data()) < 0) fail("cannot read strings");
        for (const char* s : raw)
            out.emplace_back(s ? s : "");
            // The library allocated each string; give them back.
#if H5_VERSION_GE(1, 12, 0)
        (void)H5Treclaim(memtype.get(), space, H5P_DEFAULT, raw.data());
#else
        (void)H5Dvlen_reclaim(memtype.get(), space, H5P_DEFAULT, raw.data());
#endif
        return out;
    }
    const std::size_t size = H5Tget_size(file_type);
    if (size == 0) fail("cannot size a string type");
    Handle memtype(check(H5Tcopy(H5T_C_S1), "cannot copy a string type"));
    check_status(H5Tset_size(memtype.get(), size), "cannot size a string type");
    check_status(H5Tset_cset(memtype.get(), cset), "cannot set a character set");
    check_status(H5Tset_strpad(memtype.get(), H5T_STR_NULLPAD), "cannot set string padding");
    std::vector<char> buffer(size * n, '\0');
    if (read(memtype.get(), buffer.data()) < 0) fail("cannot read strings");
    const H5T_str_t pad = H5Tget_strpad(file_type);
    for (hsize_t i = 0; i < n; ++i) {
        const char* begin = buffer.data() + i * size;
        std::size_t len = strnlen(begin, size);
        if (pad == H5T_STR_SPACEPAD)
            while (len > 0 && begin[len - 1] == ' ')
                --len;
        out.emplace_back(begin, len);
    }
    return out;
}

}  // namespace

std::string take_error_text() {
    struct Walk {
        std::string outer;
        std::string inner;
        bool first = true;
    } walk;
    (void)H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned, const H5E_error2_t* err, void* data) -> herr_t {
            auto& w = *static_cast<Walk*>(data);
            const std::string desc = (err != nullptr && err->desc != nullptr) ? err->desc : "";
            if (w.first) w.outer = desc;
            w.first = false;
            if (!desc.empty()) w.inner = desc;
            return 0;
        },
        &walk);
    (void)H5Eclear2(H5E_DEFAULT);
    if (!walk.inner.empty()) return shorten(walk.inner);
    if (!walk.outer.empty()) return shorten(walk.outer);
    return "HDF5 library error";
}

void fail(std::string_view what) {
    const std::string text = take_error_text();
    throw Error(std::string(what) + ": " + text);
}

Session::Session()
#ifndef H5_HAVE_THREADSAFE
    : lock_(library_mutex())
#endif
{
    (void)H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_);
    (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Session::~Session() {
    (void)H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_);
}

herr_t Handle::close() noexcept {
    if (id_ < 0) return 0;
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    switch (H5Iget_type(id)) {
        case H5I_FILE:
            return H5Fclose(id);
        case H5I_GROUP:
            return H5Gclose(id);
        case H5I_DATASET:
            return H5Dclose(id);
        case H5I_DATASPACE:
            return H5Sclose(id);
        case H5I_DATATYPE:
            return H5Tclose(id);
        case H5I_ATTR:
            return H5Aclose(id);
        case H5I_GENPROP_LST:
            return H5Pclose(id);
        default:
            return H5Idec_ref(id) < 0 ? -1 : 0;
    }
}

Handle string_type() {
    Handle type(check(H5Tcopy(H5T_C_S1), "cannot copy a string type"));
    check_status(H5Tset_size(type.get(), H5T_VARIABLE), "cannot size a string type");
    check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set UTF-8");
    return type;
}

namespace {
// Groups of up to 64 links keep them in the object header ("compact" storage) instead of a
// fractal heap with two B-trees; a series group holds a few dozen datasets, and building the
// dense indexes was most of the cost of creating a dataset.
void set_compact_links(hid_t create_list) {
    check_status(H5Pset_link_phase_change(create_list, 64, 48), "cannot set the link storage");
}
}  // namespace

Handle create_file(const std::string& path) {
    Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), "cannot create a file creation property list"));
    check_status(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
                 "cannot track creation order");
    set_compact_links(fcpl.get());
    check_status(H5Pset_obj_track_times(fcpl.get(), false), "cannot disable time stamps");
    Handle fapl = file_access_list();
    return Handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), "cannot create the file"));
}

Handle create_memory_file(const std::string& name, std::size_t expected_bytes) {
    Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), "cannot create a file creation property list"));
    check_status(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
                 "cannot track creation order");
    set_compact_links(fcpl.get());
    check_status(H5Pset_obj_track_times(fcpl.get(), false), "cannot disable time stamps");
    // Each chunked dataset's chunks are indexed by a version-1 B-tree whose nodes have room for
    // 2k entries (k = 32 by default: over 2 KiB per dataset, zeroed, written and carried in
    // the file). The datasets of a file built whole in memory have one chunk each, so k = 1
    // (the format then needs superblock version 1, which every HDF5 reader knows).
    check_status(H5Pset_istore_k(fcpl.get(), 1), "cannot size the chunk index");
    // HDF5 1.10 clears the superblock's status flags in a file image without updating the
    // checksum that superblock versions 2+ carry, so in-memory files use superblock version 0
    // or 1.
    Handle fapl = file_access_list(true);
    check_status(H5Pset_fapl_core(fapl.get(), std::max<std::size_t>(expected_bytes, std::size_t{1} << 16), false),
                 "cannot select the memory driver");
    return Handle(check(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), "cannot create the file"));
}

FileImage file_image(hid_t file) {
    check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush the file");
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    if (size < 0) fail("cannot size the file image");
    FileImage image{std::make_unique_for_overwrite<char[]>(static_cast<std::size_t>(size)),
                    static_cast<std::size_t>(size)};
    if (H5Fget_file_image(file, image.bytes.get(), image.size) != size) fail("cannot copy the file image");
    return image;
}

Handle open_file_read(const std::string& path) {
    Handle fapl = file_access_list();
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
        const std::string text = take_error_text();
        if (text.find("file signature not found") != std::string::npos) throw Error("not an HDF5 file");
        throw Error("cannot open the file: " + text);
    }
    return Handle(id);
}

void close_file(Handle& file) {
    if (file.close() < 0) fail("cannot finish writing the file");
}

Handle create_group(Templates& templates, hid_t loc, const std::string& name) {
    const hid_t id = H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, templates.group_create_list(), H5P_DEFAULT);
    if (id < 0) fail_on(loc, "cannot create group", "'" + name + "' in");
    return Handle(id);
}

Handle open_group(hid_t loc, const std::string& name) {
    const hid_t id = H5Gopen2(loc, name.c_str(), H5P_DEFAULT);
    if (id < 0) fail_on(loc, "missing group", "'" + name + "' in");
    return Handle(id);
}

bool has_link(hid_t loc, const std::string& name) {
    const htri_t exists = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
    if (exists < 0) fail_on(loc, "cannot look up", "'" + name + "' in");
    return exists > 0;
}

std::vector<std::string> member_names(hid_t group) {
    Handle gcpl(check(H5Gget_create_plist(group), "cannot read group properties"));
    unsigned flags = 0;
    check_status(H5Pget_link_creation_order(gcpl.get(), &flags), "cannot read group properties");
    const H5_index_t index = (flags & H5P_CRT_ORDER_INDEXED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    H5G_info_t info{};
    if (H5Gget_info(group, &info) < 0) fail_on(group, "cannot list group");
    std::vector<std::string> names;
    names.reserve(info.nlinks);
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t length = H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (length < 0) fail_on(group, "cannot list group");
        std::string name(static_cast<std::size_t>(length), '\0');
        if (H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT) < 0)
            fail_on(group, "cannot list group");
        Handle member(H5Oopen(group, name.c_str(), H5P_DEFAULT));
        if (!member.valid()) fail_on(group, "cannot open", "'" + name + "' in");
        if (H5Iget_type(member.get()) == H5I_DATASET && (layout::is_coordinate_name(name) || is_scale(member.get())))
            continue;
        names.push_back(std::move(name));
    }
    return names;
}

namespace {

// A scalar attribute holding a fixed-length, NUL-terminated ASCII string (how H5DS writes
// CLASS and NAME, and what netCDF readers compare against).
void set_fixed_string_attr(Templates& templates, hid_t obj, const char* name, const std::string& value) {
    Handle type(check(H5Tcopy(H5T_C_S1), "cannot copy a string type"));
    check_status(H5Tset_size(type.get(), value.size() + 1), "cannot size a string type");
    check_status(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "cannot set string padding");
    Handle attr(H5Acreate2(obj, name, type.get(), templates.scalar_space(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) fail_on(obj, "cannot create attribute", std::string("'") + name + "' of");
    if (H5Awrite(attr.get(), type.get(), value.c_str()) < 0)
        fail_on(obj, "cannot write attribute", std::string("'") + name + "' of");
}

hobj_ref_t object_ref(hid_t group, const std::string& name) {
    hobj_ref_t ref{};
    if (H5Rcreate(&ref, group, name.c_str(), H5R_OBJECT, -1) < 0)
        fail_on(group, "cannot reference", "'" + name + "' in");
    return ref;
}

// One entry of a scale's REFERENCE_LIST (the layout of H5DS's own list).
struct ScaleBackReference {
    hobj_ref_t dataset;
    int dimension;
};

}  // namespace

AxisLabels::AxisLabels(Templates& templates, hid_t group, std::vector<std::string> scales)
    : templates_(templates), group_(group), scales_(std::move(scales)), back_refs_(scales_.size()) {
    for (const auto& name : scales_) {
        Handle scale = open_dataset(group_, name);
        set_fixed_string_attr(templates_, scale.get(), "CLASS", "DIMENSION_SCALE");
        set_fixed_string_attr(templates_, scale.get(), "NAME", name);
        scale_refs_.push_back(object_ref(group_, name));
    }
    list_type_ = Handle(check(H5Tvlen_create(H5T_STD_REF_OBJ), "cannot make a reference list type"));
}

void AxisLabels::attach(hid_t dataset, const std::string& name) {
    std::vector<std::size_t> axes(scales_.size());
    for (std::size_t k = 0; k < axes.size(); ++k)
        axes[k] = k;
    attach(dataset, name, axes);
}

void AxisLabels::attach(hid_t dataset, const std::string& name, const std::vector<std::size_t>& axes) {
    // DIMENSION_LIST: per axis, the list of scales attached to it (one here).
    std::vector<hvl_t> lists(axes.size());
    for (std::size_t k = 0; k < axes.size(); ++k)
        lists[k] = hvl_t{1, &scale_refs_.at(axes[k])};
    if (list_spaces_.size() <= axes.size()) list_spaces_.resize(axes.size() + 1);
    Handle& space = list_spaces_[axes.size()];
    if (!space.valid()) space = dataspace({axes.size()});
    Handle attr(H5Acreate2(dataset, "DIMENSION_LIST", list_type_.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) fail_on(dataset, "cannot create attribute", "'DIMENSION_LIST' of");
    if (H5Awrite(attr.get(), list_type_.get(), lists.data()) < 0)
        fail_on(dataset, "cannot write attribute", "'DIMENSION_LIST' of");
    const hobj_ref_t ref = object_ref(group_, name);
    for (std::size_t k = 0; k < axes.size(); ++k)
        back_refs_[axes[k]].push_back({ref, static_cast<int>(k)});
}

void AxisLabels::finish() {
    // REFERENCE_LIST: on each scale, every (dataset, axis) it labels.
    Handle type(check(H5Tcreate(H5T_COMPOUND, sizeof(ScaleBackReference)), "cannot make a compound type"));
    check_status(H5Tinsert(type.get(), "dataset", HOFFSET(ScaleBackReference, dataset), H5T_STD_REF_OBJ),
                 "cannot make a compound type");
    check_status(H5Tinsert(type.get(), "dimension", HOFFSET(ScaleBackReference, dimension), H5T_NATIVE_INT),
                 "cannot make a compound type");
    for (std::size_t k = 0; k < scales_.size(); ++k) {
        if (back_refs_[k].empty()) continue;
        std::vector<ScaleBackReference> back;
        back.reserve(back_refs_[k].size());
        for (const auto& [dataset, dimension] : back_refs_[k])
            back.push_back(ScaleBackReference{dataset, dimension});
        Handle space = dataspace({back.size()});
        Handle scale = open_dataset(group_, scales_[k]);
        Handle attr(H5Acreate2(scale.get(), "REFERENCE_LIST", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
        if (!attr.valid()) fail_on(scale.get(), "cannot create attribute", "'REFERENCE_LIST' of");
        if (H5Awrite(attr.get(), type.get(), back.data()) < 0)
            fail_on(scale.get(), "cannot write attribute", "'REFERENCE_LIST' of");
    }
}

bool is_scale(hid_t dataset) {
    const htri_t scale = H5DSis_scale(dataset);
    if (scale < 0) fail("cannot tell whether a dataset is a dimension scale");
    return scale > 0;
}

bool has_attr(hid_t obj, const std::string& name) {
    const htri_t exists = H5Aexists(obj, name.c_str());
    if (exists < 0) fail_on(obj, "cannot look up attribute", "'" + name + "' of");
    return exists > 0;
}

void set_attr(Templates& templates, hid_t obj, const std::string& name, const std::string& value) {
    const hid_t type = templates.string_type();
    const hid_t id = H5Acreate2(obj, name.c_str(), type, templates.scalar_space(), H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0) fail_on(obj, "cannot create attribute", "'" + name + "' of");
    Handle attr(id);
    const char* text = value.c_str();
    if (H5Awrite(attr.get(), type, &text) < 0) fail_on(obj, "cannot write attribute", "'" + name + "' of");
}

void set_attr(Templates& templates, hid_t obj, const std::string& name, const std::vector<std::string>& values) {
    const hid_t type = templates.string_type();
    Handle space = dataspace({values.size()});
    const hid_t id = H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0) fail_on(obj, "cannot create attribute", "'" + name + "' of");
    Handle attr(id);
    if (values.empty()) return;
    std::vector<const char*> texts;
    texts.reserve(values.size());
    for (const auto& v : values)
        texts.push_back(v.c_str());
    if (H5Awrite(attr.get(), type, texts.data()) < 0) fail_on(obj, "cannot write attribute", "'" + name + "' of");
}

template <class T>
void set_attr(Templates& templates, hid_t obj, const std::string& name, T value) {
    const hid_t id = H5Acreate2(obj, name.c_str(), Type<T>::file(), templates.scalar_space(), H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0) fail_on(obj, "cannot create attribute", "'" + name + "' of");
    Handle attr(id);
    if (H5Awrite(attr.get(), Type<T>::memory(), &value) < 0)
        fail_on(obj, "cannot write attribute", "'" + name + "' of");
}
template void set_attr<double>(Templates&, hid_t, const std::string&, double);
template void set_attr<std::int32_t>(Templates&, hid_t, const std::string&, std::int32_t);
template void set_attr<std::int64_t>(Templates&, hid_t, const std::string&, std::int64_t);
template void set_attr<std::uint64_t>(Templates&, hid_t, const std::string&, std::uint64_t);

namespace {
Handle open_attr(hid_t obj, const std::string& name) {
    if (!has_attr(obj, name)) throw Error("missing attribute '" + name + "' of " + object_name(obj));
    const hid_t id = H5Aopen(obj, name.c_str(), H5P_DEFAULT);
    if (id < 0) fail_on(obj, "cannot open attribute", "'" + name + "' of");
    return Handle(id);
}
}  // namespace

std::vector<std::string> attr_strings(hid_t obj, const std::string& name) {
    Handle attr = open_attr(obj, name);
    Handle type(check(H5Aget_type(attr.get()), "cannot read an attribute type"));
    Handle space(check(H5Aget_space(attr.get()), "cannot read an attribute dataspace"));
    const hsize_t n = element_count(space.get());
    try {
        return read_string_values(type.get(), space.get(), n,
                                  [&](hid_t memtype, void* buffer) { return H5Aread(attr.get(), memtype, buffer); });
    } catch (const Error& e) {
        throw Error("attribute '" + name + "' of " + object_name(obj) + ": " + e.what());
    }
}

std::string attr_string(hid_t obj, const std::string& name) {
    auto values = attr_strings(obj, name);
    if (values.size() != 1)
        throw Error("attribute '" + name + "' of " + object_name(obj) + " should hold one string, holds " +
                    std::to_string(values.size()));
    return std::move(values.front());
}

template <class T>
T attr_value(hid_t obj, const std::string& name) {
    Handle attr = open_attr(obj, name);
    Handle space(check(H5Aget_space(attr.get()), "cannot read an attribute dataspace"));
    if (element_count(space.get()) != 1)
        throw Error("attribute '" + name + "' of " + object_name(obj) + " should hold one value");
    T value{};
    if (H5Aread(attr.get(), Type<T>::memory(), &value) < 0) fail_on(obj, "cannot read attribute", "'" + name + "' of");
    return value;
}
template double attr_value<double>(hid_t, const std::string&);
template std::int32_t attr_value<std::int32_t>(hid_t, const std::string&);
template std::int64_t attr_value<std::int64_t>(hid_t, const std::string&);
template std::uint64_t attr_value<std::uint64_t>(hid_t, const std::string&);

Templates::DatasetKey Templates::dataset_key(hid_t file_type, const std::vector<hsize_t>& dims,
                                             const DatasetOptions& options) {
    DatasetKey key;
    const H5T_class_t type_class = H5Tget_class(file_type);
    if (type_class < 0) fail("cannot inspect a datatype");
    key.nan_fill = type_class == H5T_FLOAT;
    key.variable = type_class == H5T_STRING && H5Tis_variable_str(file_type) > 0;
    if (dims.empty() || product(dims) == 0) return key;
    key.chunk.resize(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const hsize_t hint = i < options.chunk.size() ? options.chunk[i] : dims[i];
        key.chunk[i] = std::clamp<hsize_t>(hint, 1, dims[i]);
    }
    // A chunk must stay below 4 GiB; keep them far smaller so reads stay cheap.
    const std::size_t element = key.variable ? sizeof(hvl_t) : H5Tget_size(file_type);
    constexpr hsize_t max_chunk_bytes = hsize_t{1} << 26;
    for (std::size_t i = 0; i < key.chunk.size() && product(key.chunk) * element > max_chunk_bytes; ++i)
        while (key.chunk[i] > 1 && product(key.chunk) * element > max_chunk_bytes)
            key.chunk[i] = (key.chunk[i] + 1) / 2;
    key.compress = options.compress && !key.variable && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0;
    return key;
}

Handle Templates::make_dataset_create_list(const DatasetKey& key) {
    Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "cannot create a dataset creation property list"));
    check_status(H5Pset_obj_track_times(dcpl.get(), false), "cannot disable time stamps");
    if (key.nan_fill) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        check_status(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), "cannot set a fill value");
    }
    if (key.chunk.empty()) return dcpl;
    check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(key.chunk.size()), key.chunk.data()), "cannot set chunking");
    if (key.compress) {
        check_status(H5Pset_shuffle(dcpl.get()), "cannot set the shuffle filter");
        check_status(H5Pset_deflate(dcpl.get(), detail::deflate_level), "cannot set the deflate filter");
    }
    if (!key.variable) check_status(H5Pset_fletcher32(dcpl.get()), "cannot set checksums");
    return dcpl;
}

hid_t Templates::dataset_create_list(hid_t file_type, const std::vector<hsize_t>& dims, const DatasetOptions& options) {
    DatasetKey key = dataset_key(file_type, dims, options);
    for (const auto& [known, list] : dataset_create_lists_)
        if (known == key) return list.get();
    Handle list = make_dataset_create_list(key);
    dataset_create_lists_.emplace_back(std::move(key), std::move(list));
    return dataset_create_lists_.back().second.get();
}

hid_t Templates::string_type() {
    if (!string_type_.valid()) string_type_ = h5::string_type();
    return string_type_.get();
}

hid_t Templates::scalar_space() {
    if (!scalar_space_.valid()) scalar_space_ = dataspace({});
    return scalar_space_.get();
}

hid_t Templates::group_create_list() {
    if (group_create_list_.valid()) return group_create_list_.get();
    Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "cannot create a group creation property list"));
    check_status(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
                 "cannot track creation order");
    set_compact_links(gcpl.get());
    check_status(H5Pset_obj_track_times(gcpl.get(), false), "cannot disable time stamps");
    group_create_list_ = std::move(gcpl);
    return group_create_list_.get();
}

hid_t Templates::string_transfer_list(std::size_t count) {
    if (!string_transfer_list_.valid())
        string_transfer_list_ = Handle(check(H5Pcreate(H5P_DATASET_XFER), "cannot create a transfer property list"));
    // Variable-length strings go through a type conversion; HDF5's default conversion buffer
    // is 1 MiB, allocated zeroed on every write. Size it to the strings instead (a conversion
    // element is at most an hvl_t; 64 elements of headroom for HDF5's background buffer).
    const std::size_t bytes = (count + 64) * sizeof(hvl_t);
    if (bytes != string_transfer_bytes_) {
        check_status(H5Pset_buffer(string_transfer_list_.get(), bytes, nullptr, nullptr),
                     "cannot size the conversion buffer");
        string_transfer_bytes_ = bytes;
    }
    return string_transfer_list_.get();
}

Handle create_dataset(Templates& templates, hid_t loc, const std::string& name, hid_t file_type,
                      const std::vector<hsize_t>& dims, const DatasetOptions& options) {
    const hid_t dcpl = templates.dataset_create_list(file_type, dims, options);
    Handle shaped;
    if (!dims.empty()) shaped = dataspace(dims);
    const hid_t space = dims.empty() ? templates.scalar_space() : shaped.get();
    const hid_t id = H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (id < 0) fail_on(loc, "cannot create dataset", "'" + name + "' in");
    return Handle(id);
}

Handle create_string_dataset(hid_t loc, const std::string& name, hsize_t length, const DatasetOptions& options) {
    Templates templates;
    return create_dataset(templates, loc, name, templates.string_type(), {length}, options);
}

Handle open_dataset(hid_t loc, const std::string& name) {
    const hid_t id = H5Dopen2(loc, name.c_str(), H5P_DEFAULT);
    if (id < 0) fail_on(loc, "missing dataset", "'" + name + "' in");
    return Handle(id);
}

std::vector<hsize_t> shape(hid_t dataset) {
    Handle space(H5Dget_space(dataset));
    if (!space.valid()) fail_on(dataset, "cannot read the shape of");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) fail_on(dataset, "cannot read the shape of");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        fail_on(dataset, "cannot read the shape of");
    return dims;
}

namespace {
hsize_t dataset_points(hid_t dataset) {
    Handle space(H5Dget_space(dataset));
    if (!space.valid()) fail_on(dataset, "cannot read the shape of");
    return element_count(space.get());
}

// File-space selection and matching memory space for a block.
std::pair<Handle, Handle> block_spaces(hid_t dataset, const std::vector<hsize_t>& start,
                                       const std::vector<hsize_t>& count) {
    Handle file_space(H5Dget_space(dataset));
    if (!file_space.valid()) fail_on(dataset, "cannot read the shape of");
    const int rank = H5Sget_simple_extent_ndims(file_space.get());
    if (rank < 0 || static_cast<std::size_t>(rank) != start.size() || start.size() != count.size())
        throw Error("block rank does not match dataset " + object_name(dataset));
    if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
        fail_on(dataset, "cannot select a block of");
    Handle memory_space = dataspace(count);
    return {std::move(file_space), std::move(memory_space)};
}
}  // namespace

template <class T>
void write_all(hid_t dataset, std::span<const T> values) {
    if (values.size() != dataset_points(dataset))
        throw Error("size mismatch writing " + object_name(dataset) + ": " + std::to_string(values.size()) +
                    " values for " + std::to_string(dataset_points(dataset)) + " elements");
    if (values.empty()) return;
    if (H5Dwrite(dataset, Type<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        fail_on(dataset, "cannot write");
}

template <class T>
void write_block(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                 std::span<const T> values) {
    if (values.size() != product(count)) throw Error("block size mismatch writing " + object_name(dataset));
    if (values.empty()) return;
    auto [file_space, memory_space] = block_spaces(dataset, start, count);
    if (H5Dwrite(dataset, Type<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT, values.data()) < 0)
        fail_on(dataset, "cannot write");
}

void write_strings_block(Templates& templates, hid_t dataset, hsize_t first, std::span<const std::string> values) {
    if (values.empty()) return;
    auto [file_space, memory_space] = block_spaces(dataset, {first}, {values.size()});
    std::vector<const char*> texts;
    texts.reserve(values.size());
    for (const auto& v : values)
        texts.push_back(v.c_str());
    if (H5Dwrite(dataset, templates.string_type(), memory_space.get(), file_space.get(),
                 templates.string_transfer_list(values.size()), texts.data()) < 0)
        fail_on(dataset, "cannot write");
}

void write_chunk(hid_t dataset, const std::vector<hsize_t>& offset, std::span<const std::byte> bytes,
                 std::uint32_t filter_mask) {
    if (H5Dwrite_chunk(dataset, H5P_DEFAULT, filter_mask, offset.data(), bytes.size(), bytes.data()) < 0)
        fail_on(dataset, "cannot write a chunk of");
}

ChunkLayout chunk_layout(hid_t dataset) {
    Handle dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.valid()) fail_on(dataset, "cannot read the creation properties of");
    ChunkLayout layout;
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return layout;
    const int rank = H5Pget_chunk(dcpl.get(), 0, nullptr);
    if (rank < 0) fail_on(dataset, "cannot read the chunk shape of");
    layout.shape.resize(static_cast<std::size_t>(rank));
    if (H5Pget_chunk(dcpl.get(), rank, layout.shape.data()) < 0) fail_on(dataset, "cannot read the chunk shape of");
    const int filters = H5Pget_nfilters(dcpl.get());
    if (filters < 0) fail_on(dataset, "cannot read the filters of");
    for (unsigned i = 0; i < static_cast<unsigned>(filters); ++i) {
        unsigned flags = 0;
        std::size_t values = 0;
        unsigned config = 0;
        const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), i, &flags, &values, nullptr, 0, nullptr, &config);
        if (id < 0) fail_on(dataset, "cannot read the filters of");
        layout.filters.push_back(id);
    }
    return layout;
}

template <class T>
std::vector<T> read_all(hid_t dataset) {
    std::vector<T> values(dataset_points(dataset));
    if (values.empty()) return values;
    if (H5Dread(dataset, Type<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        fail_on(dataset, "cannot read");
    return values;
}

template <class T>
void read_block(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count, std::span<T> out) {
    if (out.size() != product(count)) throw Error("block size mismatch reading " + object_name(dataset));
    if (out.empty()) return;
    auto [file_space, memory_space] = block_spaces(dataset, start, count);
    if (H5Dread(dataset, Type<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT, out.data()) < 0)
        fail_on(dataset, "cannot read");
}

std::vector<std::string> read_strings(hid_t dataset) {
    Handle type(H5Dget_type(dataset));
    if (!type.valid()) fail_on(dataset, "cannot read the type of");
    Handle space(H5Dget_space(dataset));
    if (!space.valid()) fail_on(dataset, "cannot read the shape of");
    const hsize_t n = element_count(space.get());
    try {
        return read_string_values(type.get(), space.get(), n, [&](hid_t memtype, void* buffer) {
            return H5Dread(dataset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
        });
    } catch (const Error& e) {
        throw Error(object_name(dataset) + ": " + e.what());
    }
}

template <class T>
Handle write_dataset(Templates& templates, hid_t loc, const std::string& name, const std::vector<hsize_t>& dims,
                     std::span<const T> values, const std::string& units, const DatasetOptions& options) {
    Handle dataset = create_dataset(templates, loc, name, Type<T>::file(), dims, options);
    write_all<T>(dataset.get(), values);
    if (!units.empty()) set_attr(templates, dataset.get(), "units", units);
    return dataset;
}

Handle write_string_dataset(Templates& templates, hid_t loc, const std::string& name,
                            const std::vector<std::string>& values) {
    Handle dataset = create_dataset(templates, loc, name, templates.string_type(), {values.size()});
    write_strings_block(templates, dataset.get(), 0, values);
    return dataset;
}

#define PRICEWAR_H5_INSTANTIATE(T)                                                                                     \
    template void write_all<T>(hid_t, std::span<const T>);                                                             \
    template void write_block<T>(hid_t, const std::vector<hsize_t>&, const std::vector<hsize_t>&, std::span<const T>); \
    template std::vector<T> read_all<T>(hid_t);                                                                        \
    template void read_block<T>(hid_t, const std::vector<hsize_t>&, const std::vector<hsize_t>&, std::span<T>);        \
    template Handle write_dataset<T>(Templates&, hid_t, const std::string&, const std::vector<hsize_t>&,               \
                                     std::span<const T>, const std::string&, const DatasetOptions&);
PRICEWAR_H5_INSTANTIATE(double)
PRICEWAR_H5_INSTANTIATE(std::int32_t)
PRICEWAR_H5_INSTANTIATE(std::int64_t)
PRICEWAR_H5_INSTANTIATE(std::uint64_t)
#undef PRICEWAR_H5_INSTANTIATE

}  // namespace pricewar::h5
