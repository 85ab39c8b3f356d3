#include "agents/developer_traits.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

namespace pricewar {

double draw(const Distribution& d, Rng& rng) {
    double x = d.a;
    switch (d.kind) {
        case Distribution::Kind::constant:
            x = d.a;
            break;
        case Distribution::Kind::lognormal:
            x = d.b > 0 ? boost::random::lognormal_distribution<double>(std::log(d.a), d.b)(rng) : d.a;
            break;
        case Distribution::Kind::normal:
            x = d.b > 0 ? boost::random::normal_distribution<double>(d.a, d.b)(rng) : d.a;
            break;
        case Distribution::Kind::uniform:
            x = d.b > d.a ? boost::random::uniform_real_distribution<double>(d.a, d.b)(rng) : d.a;
            break;
    }
    return std::clamp(x, d.clip_min, d.clip_max);
}

double quantile(const Distribution& d, double q) {
    double x = d.a;
    const boost::math::normal standard(0.0, 1.0);
    switch (d.kind) {
        case Distribution::Kind::constant:
            x = d.a;
            break;
        case Distribution::Kind::lognormal:
            x = d.a * std::exp(d.b * boost::math::quantile(standard, q));
            break;
        case Distribution::Kind::normal:
            x = d.a + d.b * boost::math::quantile(standard, q);
            break;
        case Distribution::Kind::uniform:
            x = d.a + (d.b - d.a) * q;
            break;
    }
    return std::clamp(x, d.clip_min, d.clip_max);
}

namespace {
void fill(std::vector<float>& out, const Distribution& d, std::int64_t n, std::uint64_t seed, std::uint64_t sub) {
    out.resize(static_cast<std::size_t>(n));
    Rng rng(seed, Stream::developer_traits, sub * 0x10000ULL);
    for (auto& x : out)
        x = static_cast<float>(draw(d, rng));
}
}  // namespace

DeveloperTraits draw_traits(const DeveloperSpec& spec, std::int64_t n, std::uint64_t seed) {
    DeveloperTraits t;
    fill(t.value, spec.value, n, seed, 1);
    fill(t.base_usage, spec.base_usage, n, seed, 2);
    fill(t.elasticity, spec.elasticity, n, seed, 3);
    fill(t.quality_weight, spec.quality_weight, n, seed, 4);
    fill(t.price_weight, spec.price_weight, n, seed, 5);
    fill(t.switching_cost, spec.switching_cost, n, seed, 6);
    fill(t.reevaluate_prob, spec.reevaluate_prob, n, seed, 7);
    fill(t.budget, spec.budget, n, seed, 8);
    for (auto& r : t.reevaluate_prob)
        r = std::clamp(r, 0.0f, 1.0f);
    return t;
}

}  // namespace pricewar
