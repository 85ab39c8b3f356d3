#pragma once
// What batches and sweeps share once their input is read: a header, the full list of run
// plans and a function running one plan; and the output side (journal, resume checks,
// progress, finalize). Internal to sim/runners.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"
#include "sim/output/sweep_file.hpp"
#include "sim/runners/design.hpp"
#include "sim/runners/progress.hpp"

namespace pricewar::runners {

struct Campaign {
    std::string label;  // "sweep" or "batch": names the work in messages
    SweepHeader header;
    std::vector<RunPlan> plans;  // every run of the whole batch or sweep; plans[i].run_id == i
    // Runs one plan and returns its row. Thread-safe; never throws: a run that fails is a row
    // with status 1 and the error message.
    std::function<RunRow(const RunPlan&)> run;
};

struct ExecOptions {
    std::string out;
    int jobs = 1;
    bool resume = false;
    std::optional<std::pair<int, int>> shard;  // I of N, 1-based
};

// Runs the campaign's plans (this shard's, minus those a resumed journal holds) on threads or,
// under mpirun with several ranks, on MPI workers; returns the exit status.
int execute(const Campaign& campaign, const ExecOptions& options);

// The header fields that come from the scenarios: vendor and offer unions (first appearance
// order) with their display names (the first scenario's), turns (the longest), currency, the
// calendar (start_date and turn_days, kept only where every scenario has the same), and the
// market summary names and units (from a run of zero turns). Throws InputError when the
// scenarios disagree on the currency.
void describe_scenarios(SweepHeader& header, const std::vector<const Scenario*>& scenarios);

// The summary row of a finished run, in the header's vendor and market-summary order (a vendor
// the run lacks: exit_turn -2, NaN otherwise). With `series`, the run's tables come along.
RunRow make_row(const SweepHeader& header, const RunPlan& plan, RunRecord&& record, bool series);
// The row of a run that threw.
RunRow failed_row(const SweepHeader& header, const RunPlan& plan, const std::string& scenario_name,
                  const std::string& error);

// The output side of one process's share of a campaign: checks what exists at `out`, creates
// or resumes the journal, lists the runs still to do, records rows, finalizes.
class Output {
public:
    Output(const Campaign& campaign, const ExecOptions& options);
    ~Output();
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    // `out` already holds this campaign, complete: nothing to run; exit status of that file.
    [[nodiscard]] std::optional<int> already_complete() const { return already_complete_; }
    // Indices into campaign.plans still to run, ascending.
    [[nodiscard]] const std::vector<std::size_t>& pending() const { return pending_; }
    [[nodiscard]] Progress& progress() { return *progress_; }
    // Runs of this shard in the journal (resumed ones included).
    [[nodiscard]] std::int64_t journaled() const;

    // Journals one row (a single thread calls this).
    void record(const RunRow& row);
    // After the last run: finalize (every run of the share done) or keep the journal for
    // --resume (interrupted). Returns the exit status.
    int finish(bool interrupted);
    // After an error: release the journal, keep it for --resume.
    void abandon() noexcept;

private:
    const Campaign& campaign_;
    ExecOptions options_;
    std::string journal_path_;
    std::optional<SweepJournal> journal_;
    std::optional<Progress> progress_;
    std::optional<int> already_complete_;
    std::vector<std::size_t> pending_;
    std::int64_t share_total_ = 0;  // runs of this shard
    std::int64_t resumed_ = 0;      // of those, in the journal before this process
    std::int64_t failed_now_ = 0;   // failed runs recorded by this process
};

// Runs with run_id % N == I - 1 belong to shard I of N.
inline bool in_shard(std::int64_t run_id, const std::optional<std::pair<int, int>>& shard) {
    return !shard || run_id % shard->second == shard->first - 1;
}

}  // namespace pricewar::runners
