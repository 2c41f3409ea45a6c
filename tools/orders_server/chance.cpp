// Per-thread random numbers; see chance.hpp.
#include "chance.hpp"

#include <random>

namespace orders_server {
namespace {

std::mt19937_64& thread_generator() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return generator;
}

}  // namespace

double random_fraction() {
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    return dist(thread_generator());
}

std::int64_t random_between(std::int64_t low, std::int64_t high) {
    std::uniform_int_distribution<std::int64_t> dist(low, high);
    return dist(thread_generator());
}

bool random_chance(double p) {
    if (p <= 0.0) {
        return false;
    }
    return p >= 1.0 || random_fraction() < p;
}

}  // namespace orders_server
