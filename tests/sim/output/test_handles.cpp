#include "sim/output/detail/h5.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "tests/sim/output/support.hpp"

#include <array>

#include <doctest/doctest.h>

using namespace pricewar;
using namespace pricewar::test;

namespace {

// Open files and objects in them (groups, datasets, attributes, named types), all files.
std::array<ssize_t, 5> open_identifiers() {
    const std::array<unsigned, 5> kinds{H5F_OBJ_FILE, H5F_OBJ_GROUP, H5F_OBJ_DATASET, H5F_OBJ_ATTR, H5F_OBJ_DATATYPE};
    std::array<ssize_t, 5> counts{};
    for (std::size_t i = 0; i < kinds.size(); ++i)
        counts[i] = H5Fget_obj_count(H5F_OBJ_ALL, kinds[i]);
    return counts;
}

}  // namespace

TEST_CASE("no HDF5 identifier outlives a call, whether it succeeds or fails") {
    ScratchDir dir;
    const RunRecord record = make_record(2);
    write_run_file(record, dir.file("warm-up.h5"), "v");  // let the library set up its defaults
    const auto before = open_identifiers();

    write_run_file(record, dir.file("run.h5"), "v");
    (void)read_run_file(dir.file("run.h5"));
    RunRecord bad = record;
    bad.offer_series[0].name = "a/b";
    CHECK_THROWS_AS(write_run_file(bad, dir.file("bad.h5"), "v"), OutputError);
    CHECK_THROWS_AS(write_run_file(record, dir.file("missing/run.h5"), "v"), OutputError);
    const auto bytes = read_bytes(dir.file("run.h5"));
    write_bytes(dir.file("cut.h5"), std::vector<char>(bytes.begin(), bytes.begin() + 2000));
    CHECK_THROWS_AS(read_run_file(dir.file("cut.h5")), OutputError);

    const SweepHeader header = make_header(true, 9);
    for (int shard = 0; shard < 3; ++shard) {
        build_sweep(dir.file("shard" + std::to_string(shard) + ".h5"), header, {shard, shard + 3, shard + 6});
    }
    merge_sweep_files({dir.file("shard0.h5"), dir.file("shard1.h5"), dir.file("shard2.h5")}, dir.file("merged.h5"));
    (void)read_sweep_file(dir.file("merged.h5"));
    CHECK_THROWS_AS(merge_sweep_files({dir.file("shard0.h5"), dir.file("shard0.h5")}, dir.file("dup.h5")), OutputError);
    CHECK_THROWS_AS(merge_sweep_files({dir.file("shard0.h5"), dir.file("run.h5")}, dir.file("x.h5")), OutputError);

    CHECK(open_identifiers() == before);
    CHECK(before == std::array<ssize_t, 5>{});
}
