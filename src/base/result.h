// result<T, E>: a value or an error, for expected failures on the data path (no exceptions).
#pragma once

#include <utility>
#include <variant>

#include "base/vassert.h"

namespace fjord {

template <typename E>
struct failure {
    E error;
};

template <typename E>
failure<E> fail(E e) {
    return failure<E>{std::move(e)};
}

template <typename T, typename E>
class [[nodiscard]] result {
public:
    result(T value)
        : _state(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    result(failure<E> f) : _state(std::in_place_index<1>, std::move(f.error)) {}  // NOLINT

    bool has_value() const { return _state.index() == 0; }
    bool has_error() const { return _state.index() == 1; }
    explicit operator bool() const { return has_value(); }

    T& value() & {
        vassert(has_value(), "result::value() called on an error");
        return std::get<0>(_state);
    }
    const T& value() const& {
        vassert(has_value(), "result::value() called on an error");
        return std::get<0>(_state);
    }
    T&& value() && {
        vassert(has_value(), "result::value() called on an error");
        return std::get<0>(std::move(_state));
    }
    const E& error() const {
        vassert(has_error(), "result::error() called on a value");
        return std::get<1>(_state);
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, E> _state;
};

// A result with no value: success, or an error.
template <typename E>
class [[nodiscard]] result<void, E> {
public:
    result() = default;
    result(failure<E> f) : _error(std::move(f.error)), _failed(true) {}  // NOLINT

    bool has_value() const { return !_failed; }
    bool has_error() const { return _failed; }
    explicit operator bool() const { return !_failed; }
    const E& error() const {
        vassert(_failed, "result::error() called on success");
        return _error;
    }

private:
    E _error{};
    bool _failed = false;
};

}  // namespace fjord
