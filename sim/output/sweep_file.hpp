#pragma once
// Batch and sweep output (format "pricewar-sweep"): a crash-safe journal of finished runs
// that a sweep appends to and resumes from, the HDF5 file built from it, and the merge of
// shard files. Layout and journal format: docs/hdf5-layout.md.
//
// Life of a sweep writing OUT.h5:
//   auto journal = SweepJournal::create(sweep_journal_path(out), header);   // or ::resume
//   for each run not in journal.completed(): journal.append(row);           // any thread
//   journal.close();
//   finalize_sweep(sweep_journal_path(out), out);   // OUT.h5 appears, the journal goes

#include "sim/model/run_record.hpp"
#include "sim/output/output_error.hpp"
#include "sim/output/run_id_set.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pricewar {

// 2: display names (/vendors/display_name, /offers/display_name), start_date and turn_days,
// and the coordinate variables `date`, `vendor_name`, `offer_name`. Version 1 files are read.
inline constexpr int sweep_format_version = 2;

// What every run of one batch or sweep shares. A shard of a sweep carries the header of the
// whole sweep: the unions below must be computed over the sweep's full plan (not over the
// shard's runs), so that shards agree and merge into the file one process would write.
struct SweepHeader {
    std::string kind;  // "batch" or "sweep"
    std::string pricewar_version;
    std::uint64_t master_seed = 0;
    std::string design;      // e.g. "factorial", "sobol"; "batch" for batches
    std::string sweep_toml;  // the sweep file's text; empty for a batch
    std::int64_t runs_planned = 0;
    int turns = 0;
    std::string currency = "CNY";  // units of money summaries (cumulative_profit, peak_loss)

    std::vector<std::string> vendor_names, vendor_kinds;                  // union over the runs, stable order
    std::vector<std::string> parameters;                                  // dotted paths of varied parameters
    std::vector<std::string> market_summary_names, market_summary_units;  // scalars every run reports

    bool series = false;
    std::vector<std::string> offer_names;  // union over the runs ("vendor.offer"); used with series

    // Labels and calendar, for readers (no run depends on them). Display names parallel vendor_names and offer_names
    // (the first scenario naming an id wins). Journals and files of earlier formats did not
    // record them: both lists are then empty and records_presentation() is false.
    std::vector<std::string> vendor_display_names, offer_display_names;
    // "YYYY-MM-DD" of turn 0 when every run has the same one and the same turn_days, else empty.
    std::string start_date;
    // Days per turn of every run; 0 when the runs differ (or when not recorded).
    double turn_days = 0.0;

    [[nodiscard]] bool records_presentation() const {
        return vendor_display_names.size() == vendor_names.size() && offer_display_names.size() == offer_names.size();
    }

    friend bool operator==(const SweepHeader&, const SweepHeader&) = default;
};

// One finished (or failed) run.
struct RunRow {
    std::int64_t run_id = 0;
    std::int64_t replicate = 0;
    std::uint64_t seed = 0;
    std::string scenario;                  // scenario name
    std::vector<double> parameter_values;  // in header.parameters order
    std::int32_t sobol_block = -1, sobol_index = -1;

    std::int32_t status = 0;  // 0 ok, 1 failed
    std::string error;        // why it failed; empty when ok
    double wall_seconds = 0.0;

    // [V] in header vendor order; a vendor absent from this run: exit_turn -2, NaN others.
    std::vector<std::int32_t> exit_turn;
    std::vector<std::int32_t> exit_reason;  // 0 alive, 1 shutdown, 2 withdrawal; -2 absent
    std::vector<double> final_share, cumulative_profit, peak_loss;
    std::vector<double> market_summary;  // in header.market_summary_names order

    // The run's time series (only used when header.series). Only vendor_names, offer_names
    // and the three series groups are stored; runs may lack tables, offers or vendors of the
    // union (NaN in the file) and may have fewer than header.turns rows (NaN-padded).
    std::optional<RunRecord> series;
};

struct SweepContents {
    SweepHeader header;
    std::vector<RunRow> rows;  // ordered by run_id; no series
};

// OUT.h5 -> OUT.h5.journal
std::string sweep_journal_path(const std::string& out_path);

// Append-only record of finished runs (format in docs/hdf5-layout.md). Every append is one
// checksummed record written with a single write() and made durable with fdatasync() before
// append returns (appends from several threads share one fdatasync: group commit), so a run
// reported appended survives SIGKILL and power loss alike. A journal is locked (flock) by the
// object that has it open: a second process cannot write to it.
class SweepJournal {
public:
    // Starts a new journal; refuses (OutputError) if one exists at `path`.
    static SweepJournal create(const std::string& path, const SweepHeader& header);
    // Reopens an existing journal after an interruption. Refuses a journal of another sweep
    // (header fields differ: the message lists them). A torn last record (the process died
    // while writing it) is cut off; a damaged record followed by intact ones throws
    // OutputError naming the file and byte offset, since cutting there would lose runs.
    static SweepJournal resume(const std::string& path, const SweepHeader& header);

    SweepJournal(SweepJournal&&) noexcept;
    SweepJournal& operator=(SweepJournal&&) noexcept;
    ~SweepJournal();  // syncs and releases the journal

    // run_ids recorded so far. Not synchronised with concurrent append(): read it before
    // starting workers, or use is_completed().
    [[nodiscard]] const RunIdSet& completed() const;
    [[nodiscard]] bool is_completed(std::int64_t run_id) const;  // thread-safe
    [[nodiscard]] const SweepHeader& header() const;
    [[nodiscard]] const std::string& path() const;
    // Bytes of a torn last record cut off by resume() (0 when the journal ended cleanly).
    [[nodiscard]] std::uint64_t dropped_tail_bytes() const;

    // Records a run; thread-safe. Throws OutputError on a row that does not fit the header
    // (sizes, unknown vendor or offer in its series), a run_id already recorded, or a failed
    // write (the journal is then cut back to its last complete record).
    void append(const RunRow& row);
    // Syncs and releases the file and its lock; later appends throw.
    void close();

private:
    struct State;
    explicit SweepJournal(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

// Builds the sweep HDF5 file from a journal: rows ordered by run_id, written in blocks (memory
// holds an index of run_id -> journal offset, not the rows), under a temporary name renamed
// onto out_path; then deletes the journal. The journal must not be open in a SweepJournal.
// Throws OutputError on a damaged journal or a write failure (the journal is kept then).
void finalize_sweep(const std::string& journal_path, const std::string& out_path);

// Everything but the series. Throws OutputError on a missing, truncated, corrupted or foreign
// file, or datasets whose lengths disagree.
SweepContents read_sweep_file(const std::string& path);

// Writes the file one process running all the shards' runs would have written. The shards must
// come from the same sweep (same header fields but series) with disjoint run_ids; series are
// kept when every shard has them. Throws OutputError otherwise, naming the shards.
void merge_sweep_files(const std::vector<std::string>& shards, const std::string& out_path);

}  // namespace pricewar
