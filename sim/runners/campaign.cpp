#include "sim/runners/detail/campaign.hpp"

#include "sim/engine/repeated_game.hpp"
#include "sim/output/sweep_statistics.hpp"
#include "sim/scenario/loader.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/output/output_error.hpp"
#include "sim/runners/detail/mpi_runner.hpp"
#include "sim/runners/interrupt.hpp"
#include "sim/scenario/input_error.hpp"

namespace pricewar::runners {

namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rows travelling from the workers to the writer: bounded, so a slow disk holds the workers
// back instead of filling memory.
class RowQueue {
public:
    RowQueue(std::size_t capacity, int producers) : capacity_(capacity), producers_(producers) {}

    void push(RunRow row) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return rows_.size() < capacity_; });
        rows_.push_back(std::move(row));
        not_empty_.notify_one();
    }
    void producer_done() {
        std::lock_guard lock(mutex_);
        --producers_;
        not_empty_.notify_all();
    }
    // False when every producer is done and the queue is empty.
    bool pop(RunRow& row) {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return !rows_.empty() || producers_ == 0; });
        if (rows_.empty()) return false;
        row = std::move(rows_.front());
        rows_.pop_front();
        not_full_.notify_one();
        return true;
    }

private:
    std::size_t capacity_;
    int producers_;
    std::deque<RunRow> rows_;
    std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
};

// Header fields that must agree for a finished file to count as this campaign's output: all
// but the version, and the labels and calendar only when both record them (a file of an
// earlier format does not).
bool same_campaign(SweepHeader a, SweepHeader b) {
    a.pricewar_version.clear();
    b.pricewar_version.clear();
    if (!a.records_presentation() || !b.records_presentation())
        for (SweepHeader* h : {&a, &b}) {
            h->vendor_display_names.clear();
            h->offer_display_names.clear();
            h->start_date.clear();
            h->turn_days = 0.0;
        }
    return a == b;
}

int execute_threads(const Campaign& campaign, const ExecOptions& options) {
    Output output(campaign, options);
    if (const auto done = output.already_complete()) return *done;
    const auto& pending = output.pending();
    const int workers = static_cast<int>(std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, options.jobs)), 1,
                                                                 std::max<std::size_t>(pending.size(), 1)));
    RowQueue queue(2 * static_cast<std::size_t>(workers), workers);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> abort{false};
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(workers));
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            while (!InterruptGuard::requested() && !abort.load()) {
                const std::size_t i = next.fetch_add(1);
                if (i >= pending.size()) break;
                queue.push(campaign.run(campaign.plans[pending[i]]));
            }
            queue.producer_done();
        });
    }
    // This thread is the only writer of the journal.
    std::exception_ptr error;
    RunRow row;
    while (queue.pop(row)) {
        if (error) continue;  // drain so the workers can finish
        try {
            output.record(row);
        } catch (...) {
            error = std::current_exception();
            abort.store(true);
        }
    }
    for (auto& t : threads)
        t.join();
    if (error) {
        output.abandon();
        std::rethrow_exception(error);
    }
    return output.finish(InterruptGuard::requested() && next.load() < pending.size());
}

}  // namespace

void describe_scenarios(SweepHeader& header, const std::vector<const Scenario*>& scenarios) {
    header.vendor_names.clear();
    header.vendor_kinds.clear();
    header.vendor_display_names.clear();
    header.offer_names.clear();
    header.offer_display_names.clear();
    header.market_summary_names.clear();
    header.market_summary_units.clear();
    header.turns = 0;
    header.start_date.clear();
    header.turn_days = 0.0;
    bool same_calendar = true;
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
        const Scenario& sc = *scenarios[s];
        if (s == 0) {
            header.currency = sc.currency;
            header.turn_days = sc.turn_days;
            header.start_date = sc.start_date;
        } else if (sc.currency != header.currency) {
            throw InputError(sc.source_path, 0, 0, "currency",
                             "is \"" + sc.currency + "\" but " + scenarios[0]->source_path + " uses \"" +
                                 header.currency + "\" (one batch, one currency)");
        }
        same_calendar = same_calendar && sc.turn_days == header.turn_days && sc.start_date == header.start_date;
        if (const std::string problem = repeated_game_problem(sc); !problem.empty()) {
            const auto colon = problem.find(": ");
            throw_in_scenario(sc, colon == std::string::npos ? "strategy" : problem.substr(0, colon),
                              colon == std::string::npos ? problem : problem.substr(colon + 2), "q_learning");
        }
        header.turns = std::max(header.turns, sc.turns);
        for (const auto& v : sc.vendors) {
            if (std::find(header.vendor_names.begin(), header.vendor_names.end(), v.id) == header.vendor_names.end()) {
                header.vendor_names.push_back(v.id);
                header.vendor_kinds.emplace_back(to_string(v.kind));
                header.vendor_display_names.push_back(v.name.empty() ? v.id : v.name);
            }
            for (const auto& o : v.offers) {
                const std::string id = v.id + "." + o.id;
                if (std::find(header.offer_names.begin(), header.offer_names.end(), id) != header.offer_names.end())
                    continue;
                header.offer_names.push_back(id);
                header.offer_display_names.push_back(o.name.empty() ? o.id : o.name);
            }
        }
        // The recorder's summary names and units, from a run stopped before its first turn.
        for (const auto& m : summary_schema(sc)) {
            if (std::find(header.market_summary_names.begin(), header.market_summary_names.end(), m.name) !=
                header.market_summary_names.end())
                continue;
            header.market_summary_names.push_back(m.name);
            header.market_summary_units.push_back(m.units);
        }
    }
    // Dates only when every run shares them: scenarios of a batch that disagree on start_date
    // or turn_days leave the file without a calendar (turns only).
    if (!same_calendar) {
        header.start_date.clear();
        if (std::any_of(scenarios.begin(), scenarios.end(),
                        [&](const Scenario* sc) { return sc->turn_days != header.turn_days; }))
            header.turn_days = 0.0;
    }
}

RunRow failed_row(const SweepHeader& header, const RunPlan& plan, const std::string& scenario_name,
                  const std::string& error) {
    RunRow row;
    row.run_id = plan.run_id;
    row.replicate = plan.replicate;
    row.seed = plan.seed;
    row.scenario = scenario_name;
    row.parameter_values = plan.values;
    row.sobol_block = plan.sobol_block;
    row.sobol_index = plan.sobol_index;
    row.status = 1;
    row.error = error.empty() ? "failed without a message" : error;
    const auto V = header.vendor_names.size();
    row.exit_turn.assign(V, -2);
    row.exit_reason.assign(V, -2);
    row.final_share.assign(V, kNaN);
    row.cumulative_profit.assign(V, kNaN);
    row.peak_loss.assign(V, kNaN);
    row.market_summary.assign(header.market_summary_names.size(), kNaN);
    return row;
}

RunRow make_row(const SweepHeader& header, const RunPlan& plan, RunRecord&& record, bool series) {
    RunRow row = failed_row(header, plan, record.scenario_name, "");
    row.status = 0;
    row.error.clear();
    for (std::size_t j = 0; j < header.vendor_names.size(); ++j) {
        const auto it = std::find(record.vendor_names.begin(), record.vendor_names.end(), header.vendor_names[j]);
        if (it == record.vendor_names.end()) continue;
        const auto i = static_cast<std::size_t>(it - record.vendor_names.begin());
        if (i < record.exit_turn.size()) row.exit_turn[j] = record.exit_turn[i];
        if (i < record.exit_reason.size()) row.exit_reason[j] = record.exit_reason[i];
        if (i < record.final_share.size()) row.final_share[j] = record.final_share[i];
        if (i < record.cumulative_profit.size()) row.cumulative_profit[j] = record.cumulative_profit[i];
        if (i < record.peak_loss.size()) row.peak_loss[j] = record.peak_loss[i];
    }
    for (std::size_t j = 0; j < header.market_summary_names.size(); ++j)
        row.market_summary[j] = record.market_summary_value(header.market_summary_names[j]);
    if (series) {
        RunRecord kept;
        kept.vendor_names = std::move(record.vendor_names);
        kept.offer_names = std::move(record.offer_names);
        kept.offer_series = std::move(record.offer_series);
        kept.vendor_series = std::move(record.vendor_series);
        kept.market_series = std::move(record.market_series);
        row.series = std::move(kept);
    }
    return row;
}

Output::Output(const Campaign& campaign, const ExecOptions& options)
    : campaign_(campaign), options_(options), journal_path_(sweep_journal_path(options.out)) {
    std::error_code ec;
    const bool have_journal = fs::exists(journal_path_, ec);
    const bool have_out = fs::exists(options.out, ec);
    if (!options.resume) {
        if (have_journal)
            throw InputError(journal_path_, 0, 0, "(file)",
                             "an interrupted " + campaign.label +
                                 " left this journal; rerun with --resume to continue "
                                 "it (or delete it to start over)");
        if (have_out)
            throw InputError(options.out, 0, 0, "(file)",
                             "already exists; rerun with --resume to continue or check it, or choose another output");
    }
    if (!have_journal && have_out) {
        // --resume on a finished output: nothing to run if it is this campaign's.
        const SweepContents done = read_sweep_file(options.out);
        if (!same_campaign(done.header, campaign.header))
            throw InputError(
                options.out, 0, 0, "(file)",
                "already exists and holds another " + done.header.kind + " (header differs); choose another output");
        std::int64_t failed = 0;
        for (const auto& r : done.rows)
            failed += r.status != 0 ? 1 : 0;
        std::fprintf(stderr, "%s: %s is already complete (%zu runs, %lld failed)\n", campaign.label.c_str(),
                     options.out.c_str(), done.rows.size(), static_cast<long long>(failed));
        already_complete_ = failed > 0 ? 1 : 0;
        return;
    }
    if (have_journal) {
        try {
            journal_.emplace(SweepJournal::resume(journal_path_, campaign.header));
        } catch (const OutputError& e) {
            // Another sweep's journal, one a running process holds, or one of a journal format
            // this pricewar does not read is a usage problem (exit 2); a damaged or unreadable
            // journal stays an output failure.
            const std::string what = e.what();
            if (what.find("belongs to a different sweep") != std::string::npos ||
                what.find("in use by another process") != std::string::npos ||
                what.find("journal format version") != std::string::npos)
                throw InputError(journal_path_, 0, 0, "(file)", what);
            throw;
        }
    } else {
        // The output's folder is not created: a missing folder is an error (the journal's
        // creation names it), the same policy as every command's output.
        journal_.emplace(SweepJournal::create(journal_path_, campaign.header));
    }

    const auto& completed = journal_->completed();
    const auto planned = static_cast<std::int64_t>(campaign.plans.size());
    completed.for_each([&](std::int64_t id) {
        if (id < 0 || id >= planned || !in_shard(id, options.shard))
            throw InputError(journal_path_, 0, 0, "(file)",
                             options.shard
                                 ? fmt::format("holds run {}, which is not in shard {}/{}: resume each shard "
                                               "with its own output",
                                               id, options.shard->first, options.shard->second)
                                 : fmt::format("holds run {}, which this {} does not plan", id, campaign.label));
    });
    for (std::size_t i = 0; i < campaign.plans.size(); ++i) {
        const auto id = campaign.plans[i].run_id;
        if (!in_shard(id, options.shard)) continue;
        ++share_total_;
        if (!completed.contains(id)) pending_.push_back(i);
    }
    resumed_ = static_cast<std::int64_t>(completed.size());
    if (resumed_ > 0 || journal_->dropped_tail_bytes() > 0)
        std::fprintf(stderr, "%s: resuming %s: %lld of %lld runs already done%s\n", campaign.label.c_str(),
                     journal_path_.c_str(), static_cast<long long>(resumed_), static_cast<long long>(share_total_),
                     journal_->dropped_tail_bytes() > 0 ? " (a torn last record was cut off)" : "");
    std::string label = campaign.label;
    if (options.shard) label += fmt::format(" shard {}/{}", options.shard->first, options.shard->second);
    progress_.emplace(label, share_total_, resumed_);
}

Output::~Output() {
    abandon();
}

void Output::record(const RunRow& row) {
    journal_->append(row);
    if (row.status != 0) {
        ++failed_now_;
        progress_->break_line();
        std::fprintf(stderr, "%s: run %lld failed: %s\n", campaign_.label.c_str(), static_cast<long long>(row.run_id),
                     row.error.c_str());
    }
    progress_->add(row.status != 0);
}

std::int64_t Output::journaled() const {
    return journal_ ? static_cast<std::int64_t>(journal_->completed().size()) : 0;
}

void Output::abandon() noexcept {
    if (!journal_) return;
    try {
        journal_->close();
    } catch (...) {
        // The journal's records are already durable; nothing more to save.
    }
    journal_.reset();
}

// Mean, standard error, sd and range of each market summary over the successful runs, then
// which startups survived to the horizon; for a batch of several scenarios, the same per
// scenario (pooling scenarios answers no question an analyst asks).
void print_market(std::FILE* out, const std::vector<SummaryStatistic>& market, std::int64_t ok) {
    if (ok == 0 || market.empty()) return;
    std::fprintf(out, "%-28s %14s %12s %12s %12s %12s  %s (over %lld successful runs)\n", "market summary", "mean",
                 "std. error", "sd", "min", "max", "units", static_cast<long long>(ok));
    for (const auto& s : market) {
        if (s.count == 0) {  // e.g. a diagnostic switched off: no run has a finite value
            std::fprintf(out, "%-28s %14s  %s\n", s.name.c_str(), "-", "(no finite value in any run)");
            continue;
        }
        std::fprintf(out, "%-28s %14.6g %12.4g %12.4g %12.6g %12.6g  %s\n", s.name.c_str(), s.mean, s.se, s.sd, s.min,
                     s.max, s.units.c_str());
    }
}

void print_startups(std::FILE* out, const std::vector<StartupSurvival>& startups) {
    if (startups.empty()) return;
    std::string line = "startups alive at the horizon:";
    for (const auto& s : startups)
        line += fmt::format(" {} {}/{} ({:.0f}%)", s.vendor, s.alive, s.runs,
                            100.0 * static_cast<double>(s.alive) / static_cast<double>(s.runs));
    std::fprintf(out, "%s\n", line.c_str());
}

void print_statistics(std::FILE* out, const SweepStatistics& stats) {
    if (stats.ok == 0) return;
    if (stats.scenarios.empty()) {
        print_market(out, stats.market, stats.ok);
        print_startups(out, stats.startups);
        return;
    }
    for (const auto& sc : stats.scenarios) {
        std::fprintf(out, "\nscenario '%s'\n", sc.scenario.c_str());
        print_market(out, sc.market, sc.ok);
        print_startups(out, sc.startups);
    }
}

int Output::finish(bool interrupted) {
    const auto done = static_cast<std::int64_t>(journal_->completed().size());
    if (interrupted || done < share_total_) {
        progress_->finish();
        abandon();
        std::fprintf(stderr, "interrupted: %lld runs done; rerun with --resume\n", static_cast<long long>(done));
        return 1;
    }
    journal_->close();
    journal_.reset();
    finalize_sweep(journal_path_, options_.out);
    progress_->finish();
    // Counts and statistics over every run in the file, including runs journaled by an
    // earlier process before a resume.
    const SweepStatistics stats = sweep_statistics(options_.out);
    std::fprintf(stdout, "wrote %s (%lld runs, %lld failed)\n", options_.out.c_str(), static_cast<long long>(done),
                 static_cast<long long>(stats.failed));
    print_statistics(stdout, stats);
    std::fflush(stdout);
    return stats.failed > 0 ? 1 : 0;
}

int execute(const Campaign& campaign, const ExecOptions& options) {
    InterruptGuard interrupts;
    if (const auto status = execute_mpi(campaign, options)) return *status;
    return execute_threads(campaign, options);
}

}  // namespace pricewar::runners
