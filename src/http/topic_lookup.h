// Finding the topic (and partition) a request names, with the API's 404s.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "broker/topic_table.h"
#include "http/api_error.h"

namespace fjord::http {

result<std::shared_ptr<const broker::topic_state>, api_error> find_topic(
    broker::topic_table& topics, const std::string& name);

api_error unknown_partition(const broker::topic_state& topic, int64_t partition);

// The API's view of a topic_table failure.
api_error from_topic_error(const broker::topic_error& error);

}  // namespace fjord::http
