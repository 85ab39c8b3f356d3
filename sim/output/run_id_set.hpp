#pragma once
// The set of finished run ids of a sweep: one bit per id (ids are dense from 0), so a sweep
// of millions of runs holds kilobytes, not a tree node per run. Negative ids (only a damaged
// journal could hold them) go to a small ordered set so they can still be reported.

#include <cstdint>
#include <initializer_list>
#include <set>
#include <vector>

namespace pricewar {

class RunIdSet {
public:
    RunIdSet() = default;
    RunIdSet(std::initializer_list<std::int64_t> ids) {
        for (const auto id : ids)
            insert(id);
    }

    // True when newly inserted.
    bool insert(std::int64_t id) {
        if (id < 0) {
            const bool fresh = negative_.insert(id).second;
            size_ += fresh ? 1 : 0;
            return fresh;
        }
        const auto word = static_cast<std::size_t>(id) / 64;
        if (word >= bits_.size()) bits_.resize(std::max(word + 1, bits_.size() * 2), 0);
        const std::uint64_t mask = std::uint64_t{1} << (static_cast<std::uint64_t>(id) % 64);
        if ((bits_[word] & mask) != 0) return false;
        bits_[word] |= mask;
        ++size_;
        return true;
    }
    [[nodiscard]] bool contains(std::int64_t id) const {
        if (id < 0) return negative_.contains(id);
        const auto word = static_cast<std::size_t>(id) / 64;
        return word < bits_.size() && (bits_[word] >> (static_cast<std::uint64_t>(id) % 64) & 1) != 0;
    }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }

    // Calls f(id) for every id in ascending order.
    template <class F>
    void for_each(F&& f) const {
        for (const auto id : negative_)
            f(id);
        for (std::size_t w = 0; w < bits_.size(); ++w)
            for (std::uint64_t b = bits_[w]; b != 0; b &= b - 1)
                f(static_cast<std::int64_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(b))));
    }
    [[nodiscard]] std::vector<std::int64_t> to_vector() const {
        std::vector<std::int64_t> out;
        out.reserve(size_);
        for_each([&](std::int64_t id) { out.push_back(id); });
        return out;
    }
    friend bool operator==(const RunIdSet& a, const RunIdSet& b) { return a.to_vector() == b.to_vector(); }

private:
    std::vector<std::uint64_t> bits_;
    std::set<std::int64_t> negative_;
    std::size_t size_ = 0;
};

}  // namespace pricewar
