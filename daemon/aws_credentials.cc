#include "daemon/aws_credentials.h"

namespace xrayd::daemon {

std::string RedactAccessKeyId(std::string_view access_key_id) {
  if (access_key_id.size() <= 8) return "****";
  return std::string(access_key_id.substr(0, 4)) + "****" +
         std::string(access_key_id.substr(access_key_id.size() - 4));
}

}  // namespace xrayd::daemon
