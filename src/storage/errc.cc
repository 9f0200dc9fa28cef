#include "storage/errc.h"

namespace fjord::storage {

std::string_view describe(errc e) {
    switch (e) {
        case errc::io_error:
            return "I/O error";
        case errc::no_space:
            return "no space left on device";
        case errc::offset_out_of_range:
            return "offset out of range";
        case errc::corrupt_log:
            return "log is corrupt";
        case errc::closed:
            return "log is closed";
        case errc::record_set_too_large:
            return "record set larger than a segment";
        case errc::invalid_batch:
            return "not a sequence of whole v2 record batches";
        case errc::out_of_order_sequence:
            return "out of order sequence number";
        case errc::invalid_producer_epoch:
            return "producer epoch older than the current one";
        case errc::invalid_txn_state:
            return "non-transactional batch from a producer with an open transaction";
        case errc::transaction_coordinator_fenced:
            return "transaction marker from an older coordinator epoch";
    }
    return "unknown storage error";
}

}  // namespace fjord::storage
