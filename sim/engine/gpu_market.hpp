#pragma once
// GPU deliveries: orders queue first come, first served; at most `supply` GPUs are
// delivered market-wide per turn (export controls lower the supply).

#include <deque>
#include <vector>

namespace pricewar {

class GpuMarket {
public:
    struct Order {
        int vendor;
        int arrival_turn;  // first turn the GPUs can serve
        double gpus;
    };

    void place(int vendor, int order_turn, int lead_turns, double gpus) {
        if (gpus <= 0.0) return;
        queue_.push_back({vendor, order_turn + (lead_turns < 1 ? 1 : lead_turns), gpus});
    }

    // Deliver what may serve at `turn`, capped by supply; adds to installed[vendor]
    // and subtracts from on_order[vendor]. Orders of vendors that left are dropped.
    template <class Installed, class OnOrder, class Alive>
    void deliver(int turn, double supply, Installed&& installed, OnOrder&& on_order, Alive&& alive) {
        double left = supply;
        for (auto it = queue_.begin(); it != queue_.end();) {
            if (!alive(it->vendor)) {
                on_order(it->vendor, -it->gpus);
                it = queue_.erase(it);
                continue;
            }
            if (it->arrival_turn > turn || left <= 0.0) {
                ++it;
                continue;
            }
            const double n = it->gpus < left ? it->gpus : left;
            installed(it->vendor, n);
            on_order(it->vendor, -n);
            left -= n;
            it->gpus -= n;
            if (it->gpus <= 0.0)
                it = queue_.erase(it);
            else
                ++it;
        }
    }

private:
    std::deque<Order> queue_;
};

}  // namespace pricewar
