#include "cli/group_admin.h"

#include <fmt/format.h>

#include "cli/kafka_errors.h"

namespace fjord::cli {

cli_result<group_info> describe_group(rd_kafka_t* rk, const client_options& options,
                                      const std::string& group) {
    std::string what = fmt::format("describe group '{}'", group);
    auto event =
        admin_call(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, options, what,
                   [&](rd_kafka_t* h, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       const char* groups[] = {group.c_str()};
                       rd_kafka_DescribeConsumerGroups(h, groups, 1, o, q);
                   });
    if (!event) return fail(event.error());
    size_t n = 0;
    const auto** groups = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(event->get()), &n);
    if (n != 1) return operation_failed(fmt::format("{}: no result for the group", what));
    const auto* g = groups[0];
    if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(g)) {
        return fail(
            call_failure(options, rd_kafka_error_code(error), what, rd_kafka_error_string(error)));
    }
    group_info info;
    info.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g));
    if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) info.assignor = a;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(g)) {
        info.coordinator_id = rd_kafka_Node_id(node);
        info.coordinator_host = rd_kafka_Node_host(node);
        info.coordinator_port = rd_kafka_Node_port(node);
    }
    for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(g); ++i) {
        const auto* m = rd_kafka_ConsumerGroupDescription_member(g, i);
        member_info member{rd_kafka_MemberDescription_consumer_id(m),
                           rd_kafka_MemberDescription_client_id(m),
                           rd_kafka_MemberDescription_host(m),
                           {}};
        if (const auto* assignment = rd_kafka_MemberDescription_assignment(m)) {
            if (const auto* parts = rd_kafka_MemberAssignment_partitions(assignment)) {
                for (int k = 0; k < parts->cnt; ++k) {
                    member.assignment.emplace_back(parts->elems[k].topic,
                                                   parts->elems[k].partition);
                }
            }
        }
        info.members.push_back(std::move(member));
    }
    return info;
}

cli_result<std::map<topic_partition, int64_t>> committed_offsets(
    rd_kafka_t* rk, const client_options& options, const std::string& group,
    const rd_kafka_topic_partition_list_t* partitions) {
    std::string what = fmt::format("committed offsets of group '{}'", group);
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                    decltype(&rd_kafka_ListConsumerGroupOffsets_destroy)>
        request(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions),
                rd_kafka_ListConsumerGroupOffsets_destroy);
    auto event =
        admin_call(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, options, what,
                   [&](rd_kafka_t* h, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_ListConsumerGroupOffsets_t* list[] = {request.get()};
                       rd_kafka_ListConsumerGroupOffsets(h, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    size_t n = 0;
    const auto** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event->get()), &n);
    if (n != 1) return operation_failed(fmt::format("{}: no result for the group", what));
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0])) {
        return fail(
            call_failure(options, rd_kafka_error_code(error), what, rd_kafka_error_string(error)));
    }
    std::map<topic_partition, int64_t> out;
    if (const auto* parts = rd_kafka_group_result_partitions(groups[0])) {
        for (int i = 0; i < parts->cnt; ++i) {
            const auto& p = parts->elems[i];
            if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                return fail(
                    kafka_failure(p.err, fmt::format("{} ({}/{})", what, p.topic, p.partition)));
            }
            out[{p.topic, p.partition}] = p.offset >= 0 ? p.offset : -1;
        }
    }
    return out;
}

}  // namespace fjord::cli
