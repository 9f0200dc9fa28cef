// Strong types for the identifiers that cross module boundaries. An offset, a partition id, a
// leader epoch and a node id are different things; the compiler keeps them apart.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace fjord::model {

template <typename T, typename Tag>
class named_type {
public:
    using value_type = T;
    constexpr named_type() = default;
    constexpr explicit named_type(T v) : _value(v) {}
    constexpr T operator()() const { return _value; }
    constexpr T value() const { return _value; }
    constexpr auto operator<=>(const named_type&) const = default;
    constexpr named_type& operator++() {
        ++_value;
        return *this;
    }

private:
    T _value{};
};

using offset = named_type<int64_t, struct offset_tag>;
using partition_id = named_type<int32_t, struct partition_id_tag>;
using node_id = named_type<int32_t, struct node_id_tag>;
using leader_epoch = named_type<int32_t, struct leader_epoch_tag>;
// Milliseconds since the Unix epoch, as Kafka's record timestamps are.
using timestamp = named_type<int64_t, struct timestamp_tag>;
// A producer id (InitProducerId hands them out) and its epoch, which fences older incarnations
// of the same producer.
using producer_id = named_type<int64_t, struct producer_id_tag>;
using producer_epoch = named_type<int16_t, struct producer_epoch_tag>;

inline constexpr offset operator+(offset o, int64_t delta) {
    return offset(o() + delta);
}
inline constexpr int64_t operator-(offset a, offset b) {
    return a() - b();
}

struct topic_partition {
    std::string topic;
    partition_id partition;
    auto operator<=>(const topic_partition&) const = default;
};

}  // namespace fjord::model

template <typename T, typename Tag>
struct std::hash<fjord::model::named_type<T, Tag>> {
    size_t operator()(const fjord::model::named_type<T, Tag>& v) const noexcept {
        return std::hash<T>{}(v());
    }
};

template <>
struct std::hash<fjord::model::topic_partition> {
    size_t operator()(const fjord::model::topic_partition& tp) const noexcept {
        return std::hash<std::string>{}(tp.topic) * 31 + std::hash<int32_t>{}(tp.partition());
    }
};

template <typename T, typename Tag>
struct fmt::formatter<fjord::model::named_type<T, Tag>> : fmt::formatter<T> {
    auto format(const fjord::model::named_type<T, Tag>& v, fmt::format_context& ctx) const {
        return fmt::formatter<T>::format(v(), ctx);
    }
};

template <>
struct fmt::formatter<fjord::model::topic_partition> : fmt::formatter<std::string_view> {
    auto format(const fjord::model::topic_partition& tp, fmt::format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{}/{}", tp.topic, tp.partition());
    }
};
