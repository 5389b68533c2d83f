/* http.c - see include/infraexec/sys/http.h
 *
 * One curl easy handle per request, configured strictly (http/https only,
 * no redirect from https to http, credentials never sent to another host,
 * verification on, no signals, no output), with callbacks that keep the body
 * up to max_body and the header lines of the last response seen.  When curl
 * fails, explain() turns its code - refined by the OS errno and OpenSSL's
 * verify result that curl reports - into a message that names the cause and
 * the fix.  For a host-name mismatch the names the certificate does carry
 * come from CURLINFO_CERTINFO, which curl fills before it checks the name. */
#include "infraexec/sys/http.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/dlib.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* libcurl, loaded at the first request (dlib.h): the functions this file
 * calls.  Its soname has been libcurl.so.4 since 2006. */
#define CURL_SYMS(X) \
    X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_init) X(curl_easy_perform) \
    X(curl_easy_setopt) X(curl_easy_strerror) X(curl_free) X(curl_global_init) \
    X(curl_slist_append) X(curl_slist_free_all) X(curl_url) X(curl_url_cleanup) \
    X(curl_url_get) X(curl_url_set)
CURL_SYMS(IX_DLDECL)
static const ix_dlsym curl_syms[] = {CURL_SYMS(IX_DLSYM){NULL, NULL}};
static ix_dlib libcurl = {.soname = "libcurl.so.4", .what = "HTTP requests",
                          .package = "libcurl4", .syms = curl_syms};

#define DEFAULT_TIMEOUT 30.0
#define DEFAULT_MAX_BODY ((size_t)8 << 20)
#define MAX_REDIRS 5L

/* OpenSSL's X509_V_ERR_* values (stable ABI), as CURLINFO_SSL_VERIFYRESULT
 * reports them; named here to avoid depending on OpenSSL's headers. */
enum {
    X509_NO_ISSUER = 2,           /* UNABLE_TO_GET_ISSUER_CERT */
    X509_NOT_YET_VALID = 9,
    X509_EXPIRED = 10,
    X509_SELF_SIGNED = 18,        /* DEPTH_ZERO_SELF_SIGNED_CERT */
    X509_SELF_SIGNED_CHAIN = 19,  /* SELF_SIGNED_CERT_IN_CHAIN */
    X509_NO_LOCAL_ISSUER = 20,    /* UNABLE_TO_GET_ISSUER_CERT_LOCALLY */
    X509_LEAF_UNVERIFIABLE = 21,  /* UNABLE_TO_VERIFY_LEAF_SIGNATURE */
};

typedef struct xfer {
    ix_buf body;
    size_t max_body;
    int too_big;
    char **headers;
    size_t nheaders, cap;
} xfer;

static void drop_headers(xfer *x)
{
    for (size_t i = 0; i < x->nheaders; i++)
        free(x->headers[i]);
    x->nheaders = 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;
    if (len > x->max_body - x->body.len) {
        x->too_big = 1;
        return 0;                       /* curl aborts with CURLE_WRITE_ERROR */
    }
    ix_buf_append(&x->body, data, len);
    return len;
}

/* Called once per header line, status lines and the blank end line
 * included, for every response (redirects, 1xx) in order.  A status line
 * starts a new response, so only the last one's headers remain. */
static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;
    const char *line = data;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        drop_headers(x);
        return size * n;
    }
    if (len == 0)
        return size * n;
    if ((line[0] == ' ' || line[0] == '\t') && x->nheaders > 0) {
        /* obsolete folded continuation: join to the previous value */
        while (len > 0 && isspace((unsigned char)*line))
            line++, len--;
        ix_buf b = IX_BUF_INIT;
        ix_buf_printf(&b, "%s %.*s", x->headers[x->nheaders - 1], (int)len, line);
        free(x->headers[x->nheaders - 1]);
        x->headers[x->nheaders - 1] = ix_buf_detach(&b);
        return size * n;
    }
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line)
        return size * n;                /* not a header; ignore */
    ix_buf b = IX_BUF_INIT;
    for (const char *p = line; p < colon; p++)
        ix_buf_putc(&b, (char)tolower((unsigned char)*p));
    const char *v = colon + 1, *end = line + len;
    while (v < end && isspace((unsigned char)*v))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    ix_buf_puts(&b, ": ");
    ix_buf_append(&b, v, (size_t)(end - v));
    if (x->nheaders == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->headers = ix_xrealloc(x->headers, x->cap * sizeof *x->headers);
    }
    x->headers[x->nheaders++] = ix_buf_detach(&b);
    return size * n;
}

/* The names the server certificate is valid for, e.g. "127.0.0.2, example.org"
 * from its subjectAltName (or its subject CN if it has none); NULL if curl
 * did not record the certificate.  Caller frees. */
static char *cert_names(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    if (sym_curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
        ci->num_of_certs < 1)
        return NULL;
    static const char san_key[] = "X509v3 Subject Alternative Name:";
    const char *san = NULL, *subject = NULL;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, san_key, sizeof san_key - 1) == 0)
            san = s->data + sizeof san_key - 1;
        else if (strncmp(s->data, "Subject:", 8) == 0)
            subject = s->data + 8;
    }
    ix_buf b = IX_BUF_INIT;
    if (san) {
        /* "IP Address:127.0.0.2, DNS:example.org" -> "127.0.0.2, example.org" */
        char *list = ix_xstrdup(san), *save = NULL;
        for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
            while (isspace((unsigned char)*e))
                e++;
            char *c = strchr(e, ':');
            if (c && (strncmp(e, "IP Address:", 11) == 0 || strncmp(e, "DNS:", 4) == 0))
                e = c + 1;
            ix_buf_printf(&b, "%s%s", b.len ? ", " : "", e);
        }
        free(list);
    } else if (subject) {
        const char *cn = strstr(subject, "CN = ");
        cn = cn ? cn + 5 : (cn = strstr(subject, "CN=")) ? cn + 3 : NULL;
        if (cn)
            ix_buf_append(&b, cn, strcspn(cn, ",/"));
    }
    if (b.len == 0) {
        ix_buf_free(&b);
        return NULL;
    }
    return ix_buf_detach(&b);
}

/* Host part of url ("127.0.0.1", "[::1]"), or "the server".  Caller frees. */
static char *url_host(const char *url)
{
    char *host = NULL, *out;
    CURLU *u = sym_curl_url();
    if (u && sym_curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        sym_curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        out = ix_xstrdup(host);
    else
        out = ix_xstrdup("the server");
    sym_curl_free(host);
    sym_curl_url_cleanup(u);
    return out;
}

static int is_https(const char *url)
{
    return strncasecmp(url, "https://", 8) == 0;
}

/* Turn curl's failure into err.  at is the prefix ("URL" or "URL (redirected
 * to URL2)"); detail is curl's own error text. */
static int explain(CURL *h, CURLcode rc, const ix_http_req *req, const xfer *x,
                   const char *at, const char *detail, ix_err *err)
{
    const char *what = req->what ? req->what : "server";
    const char *ca_setting = req->ca_setting ? req->ca_setting : "ca_file";
    char *eff = NULL;
    sym_curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
    long oserr = 0, verify = 0, status = 0;
    sym_curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
    sym_curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &verify);
    sym_curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int r;
    char *host, *names;

    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        if (oserr == ECONNREFUSED)
            return ix_err_set(err, "%s: connection refused (is the %s running?)", at, what);
        if (oserr == ENETUNREACH || oserr == EHOSTUNREACH)
            return ix_err_set(err, "%s: host unreachable: %s (check the address and the network)",
                              at, strerror((int)oserr));
        return ix_err_set(err, "%s: cannot connect: %s", at, detail);
    case CURLE_COULDNT_RESOLVE_HOST:
        host = url_host(eff ? eff : req->url);
        r = ix_err_set(err, "%s: cannot resolve host name %s (check the name and DNS)", at, host);
        free(host);
        return r;
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ix_err_set(err, "%s: cannot resolve the proxy host (check https_proxy/http_proxy): %s",
                          at, detail);
    case CURLE_OPERATION_TIMEDOUT:
        if (status)
            return ix_err_set(err, "%s: answer (HTTP %ld) not complete within %g s", at, status,
                              req->timeout > 0 ? req->timeout : DEFAULT_TIMEOUT);
        return ix_err_set(err, "%s: no answer within %g s", at,
                          req->timeout > 0 ? req->timeout : DEFAULT_TIMEOUT);
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
            return ix_err_set(err, "%s: response body is larger than the %zu bytes allowed", at,
                              x->max_body);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL: {
        /* curl has moved the effective URL to the refused target */
        const char *next = eff ? eff : "";
        if (is_https(req->url) && strncasecmp(next, "http://", 7) == 0)
            return ix_err_set(err, "%s: refused a redirect from https:// to %s (it would drop "
                              "TLS: the answer could not be trusted)", at, next);
        return ix_err_set(err, "%s: refused: only http:// and https:// URLs are allowed", at);
    }
    case CURLE_TOO_MANY_REDIRECTS:
        return ix_err_set(err, "%s: more than %ld redirects (a redirect loop?)", at, MAX_REDIRS);
    case CURLE_URL_MALFORMAT:
        return ix_err_set(err, "%s: malformed URL", at);
    case CURLE_PEER_FAILED_VERIFICATION:
        if (verify == X509_SELF_SIGNED || verify == X509_SELF_SIGNED_CHAIN ||
            verify == X509_NO_LOCAL_ISSUER || verify == X509_LEAF_UNVERIFIABLE ||
            verify == X509_NO_ISSUER)
            return ix_err_set(err, "%s: certificate is signed by an unknown authority%s%s%s; set "
                              "%s to the %s's CA file", at, req->ca_file ? " (not by the CA in " : "",
                              req->ca_file ? req->ca_file : "", req->ca_file ? ")" : "",
                              ca_setting, what);
        if (verify == X509_EXPIRED)
            return ix_err_set(err, "%s: certificate has expired; renew the %s's certificate",
                              at, what);
        if (verify == X509_NOT_YET_VALID)
            return ix_err_set(err, "%s: certificate is not valid yet; check the clocks of both "
                              "machines", at);
        /* A chain problem aborts the handshake; curl records the certificate
         * after it and only then checks the host name (leaving the verify
         * result unset), so a recorded certificate means a name mismatch. */
        names = cert_names(h);
        if (names || strstr(detail, "host name")) {
            host = url_host(eff ? eff : req->url);
            if (names)
                r = ix_err_set(err, "%s: certificate is not valid for %s (it names %s); connect by "
                               "a name it lists or fix the certificate", at, host, names);
            else
                r = ix_err_set(err, "%s: certificate is not valid for %s; connect by a name it "
                               "lists or fix the certificate", at, host);
            free(names);
            free(host);
            return r;
        }
        return ix_err_set(err, "%s: certificate rejected: %s", at, detail);
    case CURLE_SSL_CACERT_BADFILE:
        return ix_err_set(err, "%s: CA file %s could not be loaded; is it a PEM certificate?",
                          at, req->ca_file ? req->ca_file : "(system bundle)");
    case CURLE_SSL_CONNECT_ERROR:
        return ix_err_set(err, "%s: TLS handshake failed (does the %s speak https on this "
                          "port?): %s", at, what, detail);
    case CURLE_GOT_NOTHING:
        return ix_err_set(err, "%s: the %s closed the connection without answering", at, what);
    default:
        break;
    }
    return ix_err_set(err, "%s: %s", at, detail);
}

static int ensure_global_init(ix_err *err)
{
    static int ready;
    if (ready)
        return 0;
    if (ix_dlib_load(&libcurl, err) < 0)
        return -1;
    CURLcode rc = sym_curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        return ix_err_set(err, "cannot initialise libcurl: %s", sym_curl_easy_strerror(rc));
    ready = 1;
    return 0;
}

static int has_http_scheme(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

int ix_http_request(const ix_http_req *req, ix_http_resp *resp, ix_err *err)
{
    memset(resp, 0, sizeof *resp);
    if (!req || !req->url || !*req->url)
        return ix_err_set(err, "HTTP request without a URL");
    const char *url = req->url;
    int head = req->method && strcmp(req->method, "HEAD") == 0;
    if (req->method && !head && strcmp(req->method, "GET") != 0)
        return ix_err_set(err, "%s: unsupported HTTP method '%s' (GET or HEAD)", url, req->method);
    if (!has_http_scheme(url))
        return ix_err_set(err, "%s: refused: only http:// and https:// URLs are allowed", url);
    if (req->ca_file) {
        int fd = open(req->ca_file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ix_err_sys(err, "%s: cannot read CA file %s", url, req->ca_file);
        close(fd);
    }
    if (ensure_global_init(err) < 0)
        return -1;
    CURL *h = sym_curl_easy_init();
    if (!h)
        return ix_err_set(err, "%s: cannot create a libcurl handle", url);

    xfer x = {.body = IX_BUF_INIT, .max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY};
    double timeout = req->timeout > 0 ? req->timeout : DEFAULT_TIMEOUT;
    long timeout_ms = timeout * 1000 < 1 ? 1 : timeout > 1e6 ? 1000000000L : (long)(timeout * 1000);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    int failed = 0;
    for (const char *const *p = req->headers; p && *p && !failed; p++) {
        struct curl_slist *n = sym_curl_slist_append(hdrs, *p);
        failed = !n;
        hdrs = n ? n : hdrs;
    }

    CURLcode rc = CURLE_OK;
#define SET(opt, val) (rc == CURLE_OK ? (rc = sym_curl_easy_setopt(h, opt, val)) : rc)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    /* Once on TLS, a redirect may not leave it: what came back over http://
     * could be anyone's, yet would be reported as verified. */
    SET(CURLOPT_REDIR_PROTOCOLS_STR, is_https(url) ? "https" : "http,https");
    /* Credentials (user:password@, an Authorization header) go to the host
     * they were meant for only, never to the one a redirect names. */
    SET(CURLOPT_UNRESTRICTED_AUTH, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_NOPROGRESS, 1L);
    SET(CURLOPT_VERBOSE, 0L);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_TIMEOUT_MS, timeout_ms);
    SET(CURLOPT_USERAGENT, "infraexec");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, &x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, &x);
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_CERTINFO, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, req->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, req->insecure ? 0L : 2L);
    if (req->ca_file && !req->insecure) {
        SET(CURLOPT_CAINFO, req->ca_file);
        SET(CURLOPT_CAPATH, NULL);      /* trust that file only */
    }
    if (head) {
        SET(CURLOPT_NOBODY, 1L);
    } else {
        SET(CURLOPT_FOLLOWLOCATION, req->no_redirects ? 0L : 1L);
        SET(CURLOPT_MAXREDIRS, MAX_REDIRS);
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x.max_body);
    }
#undef SET
    int ret = 0;
    if (failed || rc != CURLE_OK) {
        ret = ix_err_set(err, "%s: cannot set up libcurl: %s", url,
                         failed ? "out of memory" : sym_curl_easy_strerror(rc));
    } else if ((rc = sym_curl_easy_perform(h)) != CURLE_OK) {
        char *eff = NULL;
        sym_curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
        ix_buf at = IX_BUF_INIT;
        ix_buf_puts(&at, url);
        if (eff && strcmp(eff, url) != 0)
            ix_buf_printf(&at, " (redirected to %s)", eff);
        ret = explain(h, rc, req, &x, at.data, *errbuf ? errbuf : sym_curl_easy_strerror(rc), err);
        ix_buf_free(&at);
    } else {
        sym_curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->body_len = x.body.len;
        resp->body = ix_buf_detach(&x.body);
        resp->headers = x.headers;
        resp->nheaders = x.nheaders;
        x.headers = NULL;
        x.nheaders = 0;
    }
    drop_headers(&x);
    free(x.headers);
    ix_buf_free(&x.body);
    sym_curl_slist_free_all(hdrs);
    sym_curl_easy_cleanup(h);
    return ret;
}

const char *ix_http_header(const ix_http_resp *resp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < resp->nheaders; i++) {
        const char *line = resp->headers[i];
        if (strncasecmp(line, name, n) == 0 && line[n] == ':')
            return line[n + 1] == ' ' ? line + n + 2 : line + n + 1;
    }
    return NULL;
}

void ix_http_resp_free(ix_http_resp *resp)
{
    if (!resp)
        return;
    free(resp->body);
    for (size_t i = 0; i < resp->nheaders; i++)
        free(resp->headers[i]);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}
