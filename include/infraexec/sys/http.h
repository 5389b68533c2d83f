/* http.h - one HTTP(S) request: the only place infraexec talks HTTP.
 *
 * This module owns libcurl: its global initialisation (done lazily on the
 * first request), TLS verification (on unless the caller says insecure),
 * which protocols and redirects are allowed (http and https only; up to 5
 * redirects, followed for GET only; a request that starts on https:// only
 * follows https:// redirects; credentials in the URL or an Authorization
 * header are not sent on to another host), the limits on time and body size, and
 * the translation of transport failures into one-line messages an operator
 * can act on ("connection refused (is the registry running?)", "certificate
 * is signed by an unknown authority - set registry.ca ...").
 *
 * It never prints.  Proxies come from the usual environment variables
 * (https_proxy, no_proxy...), as with curl.  The first call is not
 * thread-safe (it runs curl_global_init); make one request before starting
 * threads if several may use this module at once. */
#ifndef INFRAEXEC_HTTP_H
#define INFRAEXEC_HTTP_H

#include <stddef.h>

#include "infraexec/base/err.h"

typedef struct ix_http_req {
    const char *method;         /* "GET" (NULL = GET) or "HEAD" */
    const char *url;            /* http:// or https:// only */
    /* PEM file of the CA certificate(s) to trust instead of the system's;
     * NULL = the system bundle.  A self-signed server certificate is its own
     * CA.  A missing or unreadable file fails the call, naming the file. */
    const char *ca_file;
    /* Nonzero: skip certificate and host-name checks.  Only when the
     * configuration explicitly allows it. */
    int insecure;
    /* Nonzero: a 3xx is the answer (its Location in the headers), not followed. */
    int no_redirects;
    double timeout;             /* seconds for the whole request; 0 = 30 */
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    size_t max_body;            /* bytes kept; 0 = 8 MiB; a larger body fails */
    /* For messages only: what the server is ("registry"; NULL = "server")
     * and the setting that names the CA file ("registry.ca"; NULL =
     * "ca_file"), so an error can say "is the registry running?" and "set
     * registry.ca to the registry's CA file". */
    const char *what;
    const char *ca_setting;
} ix_http_req;

typedef struct ix_http_resp {
    long status;                /* HTTP status of the final response */
    char *body;                 /* NUL-terminated (never NULL after success) */
    size_t body_len;            /* excludes the NUL */
    /* "name: value" lines of the final response (after redirects), names
     * lower-cased, values trimmed, in the order received. */
    char **headers;
    size_t nheaders;
} ix_http_resp;

/* Make the request and fill *resp (cleared first; free it with
 * ix_http_resp_free).  Any HTTP status, 404 or 500 included, is a success:
 * returns 0 with resp->status set.  Returns -1 with a message starting with
 * the URL when no complete HTTP answer was obtained: bad URL or scheme,
 * connection refused, DNS failure, timeout, TLS verification failure, a body
 * larger than max_body, too many redirects...  resp is then empty. */
int ix_http_request(const ix_http_req *req, ix_http_resp *resp, ix_err *err);

/* Value of the first response header called name (case-insensitive), or
 * NULL.  Points into resp. */
const char *ix_http_header(const ix_http_resp *resp, const char *name);

/* Free everything resp owns and zero it; safe on a zeroed or freed resp. */
void ix_http_resp_free(ix_http_resp *resp);

#endif
