#include "daemon/core/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace xrayd::daemon {

void LowerThisThreadPriority(int nice) {
  if (nice > 0) {
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
  }
}

}  // namespace xrayd::daemon
