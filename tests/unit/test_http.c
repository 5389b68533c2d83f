/* test_http.c - ix_http_* against real servers on 127.0.0.1 only:
 * docker-registry over HTTPS (the realistic case), openssl s_server with a
 * certificate for the wrong IP, and a small canned-response HTTP server
 * forked from this test (redirects, odd headers, chunked bodies).
 * Certificates are made with openssl in a temporary directory; servers die
 * with this process (PR_SET_PDEATHSIG) and are also stopped at exit. */
#include "infraexec/sys/http.h"
#include "infraexec/base/buf.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/ix_test_http.XXXXXX";
static pid_t servers[8];
static int nservers;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void cleanup(void)
{
    for (int i = 0; i < nservers; i++)
        kill(servers[i], SIGTERM);
    for (int i = 0; i < nservers; i++) {
        double until = now() + 3;
        while (waitpid(servers[i], NULL, WNOHANG) == 0 && now() < until)
            sleep_ms(20);
        if (kill(servers[i], 0) == 0) {
            kill(servers[i], SIGKILL);
            waitpid(servers[i], NULL, 0);
        }
    }
    nservers = 0;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
}

static void bail(const char *why)
{
    printf("Bail out! %s\n", why);
    exit(1);                            /* atexit(cleanup) stops the servers */
}

static char *path_in_tmp(const char *name)
{
    ix_buf b = IX_BUF_INIT;
    ix_buf_printf(&b, "%s/%s", tmpdir, name);
    return ix_buf_detach(&b);
}

/* A listening socket on 127.0.0.1 and a free port (*port). */
static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        bail("cannot listen on 127.0.0.1");
    *port = ntohs(a.sin_port);
    return fd;
}

static int free_port(void)
{
    int port;
    close(listen_loopback(&port));
    return port;
}

static pid_t spawn(const char *const *argv, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        bail("fork failed");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int in = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    servers[nservers++] = pid;
    return pid;
}

/* Wait until something accepts connections on port; 0 if pid died or 15 s
 * passed (its log is shown). */
static int wait_port(int port, pid_t pid, const char *log)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (double until = now() + 15; now() < until; sleep_ms(50)) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int up = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (up)
            return 1;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            break;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sed 's/^/# /' '%s'", log);
    if (system(cmd) != 0)
        printf("# (no log)\n");
    return 0;
}

static int sh(const char *fmt, const char *arg1, const char *arg2, const char *arg3)
{
    ix_buf cmd = IX_BUF_INIT;
    ix_buf_printf(&cmd, fmt, arg1, arg2, arg3);
    int rc = system(cmd.data);
    ix_buf_free(&cmd);
    return rc;
}

static void make_cert(const char *name, const char *cn, const char *san)
{
    char *base = path_in_tmp(name);
    ix_buf ext = IX_BUF_INIT;
    if (san)
        ix_buf_printf(&ext, "-addext subjectAltName=%s", san);
    else
        ix_buf_puts(&ext, "");
    ix_buf cmd = IX_BUF_INIT;
    ix_buf_printf(&cmd, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                  "-nodes -days 2 -subj /CN=%s %s -keyout '%s.key' -out '%s.crt' >/dev/null 2>&1",
                  cn, ext.data, base, base);
    if (system(cmd.data) != 0)
        bail("openssl req failed");
    ix_buf_free(&cmd);
    ix_buf_free(&ext);
    free(base);
}

/* ---- the canned server: one response per path, Connection: close ---- */

static const char *canned(const char *path)
{
    static const struct { const char *path, *resp; } table[] = {
        {"/headers ", "HTTP/1.1 200 OK\r\nX-Mixed-Case:   spaced value  \r\n"
                      "X-Folded: first\r\n\tsecond\r\nX-Twice: 1\r\nx-twice: 2\r\n"
                      "Content-Length: 2\r\nConnection: close\r\n\r\nok"},
        {"/redir-ok ", "HTTP/1.1 302 Found\r\nLocation: /headers\r\nX-First: yes\r\n"
                       "Content-Length: 0\r\nConnection: close\r\n\r\n"},
        {"/redir-file ", "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n"},
        {"/loop ", "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n"
                   "Connection: close\r\n\r\n"},
        {"/big ", "HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
                  "0123456789012345678901234567890123456789"},
        {"/chunked ", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "14\r\n01234567890123456789\r\n14\r\n01234567890123456789\r\n0\r\n\r\n"},
        {"/error ", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
                    "Connection: close\r\n\r\noops"},
        {"/to-echo ", "HTTP/1.1 302 Found\r\nLocation: /echo\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strncmp(path, table[i].path, strlen(table[i].path)) == 0)
            return table[i].resp;
    return NULL;
}

static void write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

static void canned_serve(int lfd)
{
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0)
            continue;
        char req[8192];
        size_t len = 0;
        ssize_t n;
        while (len < sizeof req - 1 && (n = read(c, req + len, sizeof req - 1 - len)) > 0) {
            len += (size_t)n;
            req[len] = '\0';
            if (req[0] == 0x16 || strstr(req, "\r\n\r\n"))
                break;
        }
        req[len] = '\0';
        if (len > 0 && req[0] == 0x16) {    /* a TLS ClientHello: answer as nginx does */
            const char *bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n";
            write_all(c, bad, strlen(bad));
            close(c);
            continue;
        }
        const char *sp = strchr(req, ' ');
        const char *resp = sp ? canned(sp + 1) : NULL;
        if (sp && strncmp(sp + 1, "/to-localhost ", 14) == 0) {   /* same port, another host name */
            struct sockaddr_in a;
            socklen_t alen = sizeof a;
            char redir[256];
            getsockname(lfd, (struct sockaddr *)&a, &alen);
            int rl = snprintf(redir, sizeof redir, "HTTP/1.1 302 Found\r\nLocation: "
                              "http://localhost:%d/echo\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n", ntohs(a.sin_port));
            write_all(c, redir, (size_t)rl);
        } else if (sp && strncmp(sp + 1, "/echo ", 6) == 0) {   /* the request as body */
            char head[128];
            int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                              "Connection: close\r\n\r\n", len);
            write_all(c, head, (size_t)hl);
            write_all(c, req, len);
        } else {
            if (!resp)
                resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            write_all(c, resp, strlen(resp));
        }
        shutdown(c, SHUT_WR);
        while (read(c, req, sizeof req) > 0)
            ;
        close(c);
    }
}

static int start_canned(void)
{
    int port, lfd = listen_loopback(&port);
    pid_t pid = fork();
    if (pid < 0)
        bail("fork failed");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        canned_serve(lfd);
    }
    close(lfd);
    servers[nservers++] = pid;
    return port;
}

/* ---- helpers for the checks ---- */

static char reg_url[128], wrong_url[128], canned_url[128];
static char *good_ca, *wrong_ca, *other_ca;

/* Request url; returns rc, leaves the message in err and the answer in r. */
static int get(const char *method, const char *url, const char *ca, ix_http_resp *r, ix_err *err)
{
    ix_http_req req = {.method = method, .url = url, .ca_file = ca, .timeout = 10,
                       .what = "registry", .ca_setting = "registry.ca"};
    err->msg[0] = '\0';
    int rc = ix_http_request(&req, r, err);
    if (rc < 0)
        printf("# %s\n", err->msg);
    return rc;
}

static void fails_with(const ix_http_req *req, const char *want1, const char *want2,
                       const char *what)
{
    ix_http_resp r;
    ix_err err = {{0}};
    int rc = ix_http_request(req, &r, &err);
    printf("# %s\n", err.msg);
    ok(rc == -1 && strstr(err.msg, want1) && (!want2 || strstr(err.msg, want2)), "%s", what);
    ok(r.status == 0 && r.body == NULL && r.nheaders == 0, "%s: resp left empty", what);
    ix_http_resp_free(&r);
}

/* ---- the tests ---- */

static void test_registry(void)
{
    ix_http_resp r;
    ix_err err;
    char url[256];

    snprintf(url, sizeof url, "%s/v2/_catalog", reg_url);
    is_int(get(NULL, url, good_ca, &r, &err), 0, "registry catalog: call succeeds with its CA");
    is_int(r.status, 200, "registry catalog: 200");
    is_str(r.body, "{\"repositories\":[]}\n", "registry catalog: body");
    is_int(r.body_len, 20, "registry catalog: body_len");
    is_str(ix_http_header(&r, "Content-Type"), "application/json; charset=utf-8",
           "registry catalog: content-type header, looked up case-insensitively");
    ok(ix_http_header(&r, "content") == NULL, "header lookup needs the whole name");
    ix_http_resp_free(&r);
    ix_http_resp_free(&r);
    ok(r.body == NULL && r.headers == NULL, "resp_free twice is safe and zeroes");

    snprintf(url, sizeof url, "%s/v2/nosuch/tags/list", reg_url);
    is_int(get("GET", url, good_ca, &r, &err), 0, "missing repo: call succeeds");
    is_int(r.status, 404, "missing repo: 404");
    ok(r.body && strstr(r.body, "NAME_UNKNOWN"), "missing repo: JSON error body");
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "%s/v2/", reg_url);
    is_int(get("HEAD", url, good_ca, &r, &err), 0, "HEAD: call succeeds");
    is_int(r.status, 200, "HEAD: 200");
    ok(r.body && r.body_len == 0 && r.body[0] == '\0', "HEAD: empty body, not NULL");
    is_str(ix_http_header(&r, "Docker-Distribution-API-Version"), "registry/2.0",
           "HEAD: docker-distribution-api-version header");
    ok(r.nheaders >= 2, "HEAD: headers kept (%zu)", r.nheaders);
    for (size_t i = 0; i < r.nheaders; i++)
        printf("#   %s\n", r.headers[i]);
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "%s/v2", reg_url);
    is_int(get("HEAD", url, good_ca, &r, &err), 0, "HEAD /v2: call succeeds");
    is_int(r.status, 301, "HEAD does not follow redirects");
    is_str(ix_http_header(&r, "location"), "/v2/", "HEAD: location header");
    ix_http_resp_free(&r);
    is_int(get("GET", url, good_ca, &r, &err), 0, "GET /v2: call succeeds");
    is_int(r.status, 200, "GET follows the redirect to /v2/");
    is_str(r.body, "{}", "GET /v2/ body");
    ok(ix_http_header(&r, "location") == NULL, "headers are the final response's");
    ix_http_resp_free(&r);
    ix_http_req nored = {.url = url, .ca_file = good_ca, .timeout = 10, .no_redirects = 1,
                         .what = "registry", .ca_setting = "registry.ca"};
    is_int(ix_http_request(&nored, &r, &err), 0, "GET /v2, no_redirects: call succeeds");
    is_int(r.status, 301, "GET with no_redirects: the redirect is the answer");
    is_str(ix_http_header(&r, "location"), "/v2/", "... its location kept");
    ix_http_resp_free(&r);

    /* plain http to the TLS port: the Go server answers 400, still an answer */
    char plain[160];
    snprintf(plain, sizeof plain, "http://%s/v2/", reg_url + strlen("https://"));
    is_int(get("GET", plain, NULL, &r, &err), 0, "http:// to an https port: call succeeds");
    is_int(r.status, 400, "http:// to an https port: 400");
    ix_http_resp_free(&r);

    /* max_body: the catalog is exactly 20 bytes */
    ix_http_req req = {.url = reg_url, .ca_file = good_ca, .max_body = 20};
    snprintf(url, sizeof url, "%s/v2/_catalog", reg_url);
    req.url = url;
    is_int(ix_http_request(&req, &r, &err), 0, "max_body equal to the body size is fine");
    ix_http_resp_free(&r);
    req.max_body = 19;
    fails_with(&req, "response body is larger than the 19 bytes allowed", NULL,
               "max_body exceeded (Content-Length known)");
    req.method = "HEAD";
    is_int(ix_http_request(&req, &r, &err), 0, "max_body does not apply to HEAD");
    ix_http_resp_free(&r);
}

static void test_tls_failures(void)
{
    char url[256];
    snprintf(url, sizeof url, "%s/", wrong_url);
    ix_http_req req = {.url = url, .ca_file = wrong_ca, .timeout = 10};
    fails_with(&req, "certificate is not valid for 127.0.0.1", "(it names 127.0.0.2, wrong.example)",
               "certificate for another IP: names the host and the certificate's names");

    req.ca_file = NULL;
    fails_with(&req, "certificate is signed by an unknown authority", "set ca_file to the server's",
               "wrong-IP self-signed certificate, system CAs: unknown authority first");

    req.insecure = 1;
    ix_http_resp r;
    ix_err err = {{0}};
    is_int(ix_http_request(&req, &r, &err), 0, "insecure=1 accepts the wrong-IP certificate");
    is_int(r.status, 200, "insecure=1: s_server answers 200");
    ok(r.body && strstr(r.body, "<HTML>"), "insecure=1: s_server's page");
    ix_http_resp_free(&r);
    req.ca_file = "/nonexistent/ca.pem";
    fails_with(&req, "/nonexistent/ca.pem", NULL, "a missing CA file fails even when insecure");

    snprintf(url, sizeof url, "%s/v2/_catalog", reg_url);
    ix_http_req reg = {.url = url, .timeout = 10, .what = "registry", .ca_setting = "registry.ca"};
    fails_with(&reg, "unknown authority", "set registry.ca to the registry's CA file",
               "registry without ca_file: unknown authority");
    reg.ca_file = other_ca;
    fails_with(&reg, "unknown authority (not by the CA in ", other_ca,
               "registry with another CA: unknown authority, names the file");

    reg.ca_file = "/nonexistent/dir/registry-ca.pem";
    fails_with(&reg, "cannot read CA file /nonexistent/dir/registry-ca.pem",
               "No such file or directory", "missing CA file: named, with the reason");
    char *junk = path_in_tmp("junk.pem");
    if (sh("echo 'not a certificate' > '%s'%s%s", junk, "", "") != 0)
        bail("cannot write junk.pem");
    reg.ca_file = junk;
    fails_with(&reg, "could not be loaded", junk, "CA file that is not PEM: named");
    free(junk);
}

static void test_refusals(void)
{
    ix_http_req req = {.url = "file:///etc/passwd"};
    fails_with(&req, "file:///etc/passwd: refused: only http:// and https://", NULL,
               "file:// URL refused");
    req.url = "ftp://127.0.0.1/";
    fails_with(&req, "only http:// and https://", NULL, "ftp:// URL refused");
    req.url = "127.0.0.1:1/v2/";
    fails_with(&req, "only http:// and https://", NULL, "URL without scheme refused");
    req.url = NULL;
    fails_with(&req, "without a URL", NULL, "NULL url");
    req.url = canned_url;
    req.method = "POST";
    fails_with(&req, "unsupported HTTP method 'POST'", NULL, "methods other than GET/HEAD");

    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v2/", free_port());
    ix_http_req closed = {.url = url, .what = "registry"};
    fails_with(&closed, "connection refused (is the registry running?)", url,
               "closed port: connection refused");

    int port, silent = listen_loopback(&port);     /* accepts (backlog), never answers */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v2/", port);
    ix_http_req slow = {.url = url, .timeout = 0.3};
    double t0 = now();
    fails_with(&slow, "no answer within 0.3 s", NULL, "silent server: timeout");
    ok(now() - t0 < 3, "timeout honoured (%.2f s)", now() - t0);
    close(silent);
}

static void test_canned(void)
{
    ix_http_resp r;
    ix_err err;
    char url[256];

    snprintf(url, sizeof url, "%s/headers", canned_url);
    is_int(get(NULL, url, NULL, &r, &err), 0, "HTTP/1.1 headers: call succeeds");
    is_str(ix_http_header(&r, "x-mixed-case"), "spaced value", "value trimmed");
    ok(r.nheaders > 0 && strcmp(r.headers[0], "x-mixed-case: spaced value") == 0,
       "stored line is lower-cased 'name: value'");
    is_str(ix_http_header(&r, "X-Folded"), "first second", "folded header joined");
    is_str(ix_http_header(&r, "X-TWICE"), "1", "repeated header: first one");
    is_str(r.body, "ok", "body");
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "%s/redir-ok", canned_url);
    is_int(get(NULL, url, NULL, &r, &err), 0, "redirect: call succeeds");
    is_int(r.status, 200, "redirect followed");
    ok(ix_http_header(&r, "x-first") == NULL && ix_http_header(&r, "x-mixed-case"),
       "only the final response's headers");
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "%s/error", canned_url);
    is_int(get(NULL, url, NULL, &r, &err), 0, "500: call succeeds");
    is_int(r.status, 500, "500 status");
    is_str(r.body, "oops", "500 body kept");
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "%s/echo", canned_url);
    const char *hdrs[] = {"Accept: application/vnd.docker.distribution.manifest.v2+json",
                          "X-Test: 42", NULL};
    ix_http_req req = {.url = url, .headers = hdrs};
    is_int(ix_http_request(&req, &r, &err), 0, "echo: call succeeds");
    ok(r.body && strstr(r.body, "\r\nX-Test: 42\r\n") &&
       strstr(r.body, "\r\nAccept: application/vnd.docker.distribution.manifest.v2+json\r\n"),
       "request headers sent");
    ok(r.body && strstr(r.body, "\r\nUser-Agent: infraexec\r\n"), "user agent is infraexec");
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "%s/redir-file", canned_url);
    req = (ix_http_req){.url = url};
    fails_with(&req, "only http:// and https://", NULL, "redirect to file:// refused");
    snprintf(url, sizeof url, "%s/loop", canned_url);
    fails_with(&req, "more than 5 redirects", NULL, "redirect loop stops after 5");

    snprintf(url, sizeof url, "%s/chunked", canned_url);
    req.max_body = 39;
    fails_with(&req, "response body is larger than the 39 bytes allowed", NULL,
               "max_body exceeded (chunked, no length)");
    req.max_body = 40;
    is_int(ix_http_request(&req, &r, &err), 0, "chunked body of exactly max_body");
    is_int(r.body_len, 40, "chunked body length");
    ix_http_resp_free(&r);
    snprintf(url, sizeof url, "%s/big", canned_url);
    req.max_body = 10;
    fails_with(&req, "larger than the 10 bytes allowed", NULL, "max_body exceeded (Content-Length)");

    snprintf(url, sizeof url, "https://%s/headers", canned_url + strlen("http://"));
    req.timeout = 10;
    fails_with(&req, "TLS handshake failed", NULL, "https:// to a plain-http port");
}

/* ---- a real https server (python3) that redirects, for downgrades ---- */

static const char https_redirector[] =
    "import http.server, ssl, sys\n"
    "port, cert, key, plain = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        loc = {'/down': plain + '/headers', '/up': '/ok'}.get(self.path)\n"
    "        body = b'' if loc else b'secure'\n"
    "        self.send_response(302 if loc else 200)\n"
    "        if loc:\n"
    "            self.send_header('Location', loc)\n"
    "        self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "srv = http.server.HTTPServer(('127.0.0.1', port), H)\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(cert, key)\n"
    "srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n"
    "srv.serve_forever()\n";

static void test_downgrade(void)
{
    char *script = path_in_tmp("redirector.py"), *log = path_in_tmp("redirector.log");
    char *key = path_in_tmp("good.key");
    FILE *f = fopen(script, "w");
    if (!f || fputs(https_redirector, f) < 0 || fclose(f) != 0)
        bail("cannot write redirector.py");
    int port = free_port();
    char port_arg[16];
    snprintf(port_arg, sizeof port_arg, "%d", port);
    pid_t py = spawn((const char *[]){"python3", script, port_arg, good_ca, key, canned_url, NULL},
                     log);
    if (!wait_port(port, py, log))
        bail("python3 https server did not start");

    ix_http_resp r;
    ix_err err;
    char url[256], want[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/up", port);
    is_int(get(NULL, url, good_ca, &r, &err), 0, "https -> https redirect: followed");
    is_str(r.body, "secure", "https -> https redirect: the https answer");
    ix_http_resp_free(&r);

    snprintf(url, sizeof url, "https://127.0.0.1:%d/down", port);
    snprintf(want, sizeof want, "refused a redirect from https:// to %s/headers", canned_url);
    ix_http_req req = {.url = url, .ca_file = good_ca, .timeout = 10};
    fails_with(&req, want, "drop TLS", "https -> http redirect: refused, naming the target");

    /* Credentials stay with the host they were given for. */
    const char *auth[] = {"Authorization: Bearer s3cret-token", NULL};
    snprintf(url, sizeof url, "%s/to-echo", canned_url);
    req = (ix_http_req){.url = url, .headers = auth, .timeout = 10};
    is_int(ix_http_request(&req, &r, &err), 0, "redirect on the same host: call succeeds");
    ok(r.body && strstr(r.body, "Authorization: Bearer s3cret-token"),
       "redirect on the same host: the Authorization header goes along");
    ix_http_resp_free(&r);
    snprintf(url, sizeof url, "%s/to-localhost", canned_url);
    is_int(ix_http_request(&req, &r, &err), 0, "redirect to another host name: call succeeds");
    ok(r.body && strstr(r.body, "Host: localhost:") && !strstr(r.body, "s3cret-token"),
       "redirect to another host: the Authorization header is not sent there");
    ix_http_resp_free(&r);
    snprintf(url, sizeof url, "http://admin:passw0rd@%s/to-localhost", canned_url + strlen("http://"));
    req.headers = NULL;
    is_int(ix_http_request(&req, &r, &err), 0, "URL credentials, redirect to another host: succeeds");
    ok(r.body && strstr(r.body, "Host: localhost:") && !strstr(r.body, "Authorization"),
       "URL credentials are not sent to the other host");
    ix_http_resp_free(&r);

    free(script);
    free(log);
    free(key);
}

int main(void)
{
    /* Every request must stay on this machine: no proxy may be involved. */
    const char *proxies[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", NULL};
    for (const char **p = proxies; *p; p++)
        unsetenv(*p);
    if (!mkdtemp(tmpdir))
        bail("mkdtemp failed");
    atexit(cleanup);

    make_cert("good", "ix-test-registry", "IP:127.0.0.1");
    make_cert("wrong", "ix-test-wrong", "IP:127.0.0.2,DNS:wrong.example");
    make_cert("other", "ix-test-other-ca", NULL);
    good_ca = path_in_tmp("good.crt");
    wrong_ca = path_in_tmp("wrong.crt");
    other_ca = path_in_tmp("other.crt");

    int reg_port = free_port();
    char *cfg = path_in_tmp("registry.yml"), *log = path_in_tmp("registry.log");
    FILE *f = fopen(cfg, "w");
    if (!f)
        bail("cannot write registry.yml");
    fprintf(f, "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            "storage:\n  filesystem:\n    rootdirectory: %s/data\n"
            "http:\n  addr: 127.0.0.1:%d\n  tls:\n    certificate: %s/good.crt\n"
            "    key: %s/good.key\n", tmpdir, reg_port, tmpdir, tmpdir);
    fclose(f);
    pid_t reg = spawn((const char *[]){"docker-registry", "serve", cfg, NULL}, log);
    if (!wait_port(reg_port, reg, log))
        bail("docker-registry did not start");
    snprintf(reg_url, sizeof reg_url, "https://127.0.0.1:%d", reg_port);

    int wrong_port = free_port();
    char accept_arg[64], *wkey = path_in_tmp("wrong.key"), *wlog = path_in_tmp("s_server.log");
    snprintf(accept_arg, sizeof accept_arg, "127.0.0.1:%d", wrong_port);
    pid_t ss = spawn((const char *[]){"openssl", "s_server", "-accept", accept_arg, "-cert",
                                      wrong_ca, "-key", wkey, "-www", "-quiet", NULL}, wlog);
    if (!wait_port(wrong_port, ss, wlog))
        bail("openssl s_server did not start");
    snprintf(wrong_url, sizeof wrong_url, "https://127.0.0.1:%d", wrong_port);

    snprintf(canned_url, sizeof canned_url, "http://127.0.0.1:%d", start_canned());

    test_registry();
    test_tls_failures();
    test_refusals();
    test_canned();
    test_downgrade();

    free(cfg);
    free(log);
    free(wkey);
    free(wlog);
    free(good_ca);
    free(wrong_ca);
    free(other_ca);
    return tap_done();
}
