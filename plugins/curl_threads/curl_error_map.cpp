// curl_error_map: CURLcode -> FC_TRANSPORT_* (see the header).
#include "curl_error_map.hpp"

#include <fetchctl/plugin.h>

namespace fetchctl::curl_threads {

int32_t map_curl_error(CURLcode code, const transfer_facts &facts) noexcept {
    switch (code) {
    case CURLE_OK:
        return FC_TRANSPORT_OK;

    // Nothing reached the origin server: refused, unreachable, or a proxy
    // in between that would not open the tunnel.
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
        return FC_TRANSPORT_CONNECT;

    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return FC_TRANSPORT_RESOLVE;

    // curl uses one code for the connect timeout and the total timeout.
    case CURLE_OPERATION_TIMEDOUT:
        return facts.request_sent ? FC_TRANSPORT_TIMEOUT : FC_TRANSPORT_CONNECT;

    // The connection broke after it was up: reset, closed early, short body.
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2_STREAM:
        return FC_TRANSPORT_IO;

    // The bytes arrived but do not make a valid HTTP response.
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_HTTP2:
    case CURLE_BAD_CONTENT_ENCODING:
        return FC_TRANSPORT_PROTOCOL;

    case CURLE_FILESIZE_EXCEEDED:
        return FC_TRANSPORT_TOO_LARGE;

    // The write callback refuses a body only for its size; any other write
    // failure is ours and falls through to OTHER.
    case CURLE_WRITE_ERROR:
        return facts.body_too_large ? FC_TRANSPORT_TOO_LARGE : FC_TRANSPORT_OTHER;

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return FC_TRANSPORT_TLS;

    default:
        // Malformed URL, out of memory, an aborted transfer, and every code
        // a newer libcurl may invent: the error message says which.
        return FC_TRANSPORT_OTHER;
    }
}

} // namespace fetchctl::curl_threads
