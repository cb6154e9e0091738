/*
 * daxh-helper: the guest side of dax-harness. One SSH exec runs one batch: every sysfs write of a step,
 * the observation after them and the kernel log since the last step, so a step costs one round trip.
 *
 * stdin, one request per line (the whole batch is validated before anything runs, so a malformed batch
 * has no side effects):
 *   W \t PATH \t HEX   open(O_WRONLY) + exactly one write(2) of the decoded bytes (HEX may be empty)
 *   T \t PATH \t HEX \t MS  as W, and if write(2) has not returned after MS milliseconds a SIGALRM (handled,
 *                      without SA_RESTART) interrupts it: for a write the kernel retries until the writer has a
 *                      signal pending (offline_pages()), which then answers EINTR
 *   F \t PATH \t HEX \t N   as W, with the write's Nth slab allocation made to fail (this thread's
 *                      /proc/thread-self/fail-nth; needs CONFIG_FAILSLAB and debugfs, which init mounts); answered with
 *                      "injected": whether the Nth allocation came
 *   M \t PATH \t LEN   open(O_RDWR) + mmap(LEN, shared, read/write) + a write and read back of the first and
 *                      last byte (each a page fault) + munmap; a SIGBUS on the touch answers EFAULT
 *   R \t PATH          open(O_RDONLY) + read to EOF
 *   L \t PATH          readlink, basename of the target
 *   O \t DEV \t MAP \t REG   observe the dax bus, memory blocks, /proc/iomem and MemTotal (raw text);
 *                      DEV, MAP, REG: comma-separated names of the device, mappingN and dax_region files to
 *                      read (the host's attribute table decides; the helper knows none of them)
 *   K \t SEQ           /dev/kmsg records with seq > SEQ (SEQ may be -1); "errno" if reading failed
 *   P \t N             the next N requests (2..16, each W, T or R) run at once: one process each, released
 *                      together from a barrier, so the kernel sees them race; answered {"together":N},
 *                      then their own answers in request order
 * stdout: {"results":[...]} with one entry per request. Strings are JSON-escaped byte by byte: bytes
 * outside printable ASCII become \u00XX, which the host reads back as latin1, so no byte is ever lost.
 * Inside an observation a file that does not exist is null and any other failure is {"errno":N}: a hidden
 * attribute is an observation, an unreadable one is not.
 *
 * daxh-helper serve: batches one after another on one channel (see serve()).
 * For humans: daxh-helper observe DEV MAP REG | read PATH | write PATH VALUE.
 * Build: gcc -static -Os -Wall -Werror -o daxh-helper daxh-helper.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOGETHER_MAX 16
#define KMSG_RECORD_MAX 8192 /* the kernel's CONSOLE_EXT_LOG_MAX: a smaller read buffer gets EINVAL */

struct req {
	char kind;
	const char *path;
	unsigned char *value;
	size_t len;
	long long after; /* K: the sequence number; P: how many requests run together */
	char **attrs[3]; /* O: device, mapping and region file names, each NULL-terminated */
};

static void die(int code, const char *msg, const char *detail)
{
	fprintf(stderr, "daxh-helper: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
	exit(code);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die(1, "out of memory", NULL);
	return p;
}

static void jstr(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void jcstr(const char *s)
{
	jstr(s, strlen(s));
}

/* Everything up to EOF into a malloc'ed buffer; returns 0 or an errno. Closes fd. */
static int slurp_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = xrealloc(NULL, cap);
	for (;;) {
		if (n == cap)
			b = xrealloc(b, cap *= 2);
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
}

static int slurp(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? errno : slurp_fd(fd, buf, len);
}

/* dir/name into out (PATH_MAX bytes). sysfs paths are far shorter, so an overflow means a broken tree. */
static char *join(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		die(1, "path too long", dir);
	return out;
}

/* Basename of a symlink's target into out (PATH_MAX); returns 0 or an errno. */
static int link_name(const char *path, char *out)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return errno;
	target[n] = 0;
	const char *slash = strrchr(target, '/');
	strcpy(out, slash ? slash + 1 : target);
	return 0;
}

/* Observation values: the text, null when the file does not exist, {"errno":N} when it cannot be read. */
static void jfile(const char *path)
{
	char *buf;
	size_t len;
	int e = slurp(path, &buf, &len);
	if (e == ENOENT)
		fputs("null", stdout);
	else if (e)
		printf("{\"errno\":%d}", e);
	else {
		jstr(buf, len);
		free(buf);
	}
}

static void jattr(const char *dir, const char *attr)
{
	char path[PATH_MAX];
	printf("\"%s\":", attr);
	jfile(join(path, dir, attr));
}

static void jattrs(const char *dir, char *const *attrs)
{
	for (; *attrs; attrs++) {
		putchar(',');
		jattr(dir, *attrs);
	}
}

/* The number N of a directory entry named <prefix>N, or -1. */
static long numbered(const char *name, const char *prefix)
{
	size_t p = strlen(prefix);
	if (strncmp(name, prefix, p) || name[p] < '0' || name[p] > '9')
		return -1;
	char *end;
	long n = strtol(name + p, &end, 10);
	return *end ? -1 : n;
}

static const char *scan_prefix;
static int has_prefix(const struct dirent *d)
{
	return numbered(d->d_name, scan_prefix) >= 0;
}
static int by_number(const struct dirent **a, const struct dirent **b)
{
	long x = numbered((*a)->d_name, scan_prefix), y = numbered((*b)->d_name, scan_prefix);
	return (x > y) - (x < y);
}
static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Entries <prefix>N of dir in ascending N; returns the count, or -errno. */
static int scan_numbered(const char *dir, const char *prefix, struct dirent ***list)
{
	scan_prefix = prefix;
	int n = scandir(dir, list, has_prefix, by_number);
	return n < 0 ? -errno : n;
}

static void free_list(struct dirent **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One dax device; returns its host path (malloc'ed) or NULL when realpath failed. */
static char *observe_device(const char *name, char *const *device_attrs, char *const *mapping_attrs)
{
	char dev[PATH_MAX], real[PATH_MAX], path[PATH_MAX], drv[PATH_MAX];
	join(dev, "/sys/bus/dax/devices", name);
	fputs("{\"name\":", stdout);
	jcstr(name);
	fputs(",\"host\":", stdout);
	char *host = NULL;
	if (realpath(dev, real)) {
		*strrchr(real, '/') = 0;
		host = strdup(real);
		jcstr(host);
	} else {
		printf("{\"errno\":%d}", errno);
	}
	jattrs(dev, device_attrs);

	fputs(",\"driver\":", stdout);
	int e = link_name(join(path, dev, "driver"), drv);
	if (e == ENOENT)
		fputs("null", stdout);
	else if (e)
		printf("{\"errno\":%d}", e);
	else
		jcstr(drv);

	fputs(",\"mappings\":", stdout);
	struct dirent **maps;
	int n = scan_numbered(dev, "mapping", &maps);
	if (n < 0) {
		printf("{\"errno\":%d}", -n);
	} else {
		putchar('[');
		for (int i = 0; i < n; i++) {
			join(path, dev, maps[i]->d_name);
			printf("%s{\"index\":%ld", i ? "," : "", numbered(maps[i]->d_name, "mapping"));
			jattrs(path, mapping_attrs);
			putchar('}');
		}
		putchar(']');
		free_list(maps, n);
	}
	putchar('}');
	return host;
}

static void observe_memory(void)
{
	const char *mem = "/sys/devices/system/memory";
	char dir[PATH_MAX];
	struct dirent **blocks;
	fputs(",\"blocks\":", stdout);
	int n = scan_numbered(mem, "memory", &blocks);
	if (n < 0) {
		printf("{\"errno\":%d}", -n);
	} else {
		putchar('[');
		for (int i = 0; i < n; i++) {
			join(dir, mem, blocks[i]->d_name);
			printf("%s{\"index\":%ld,", i ? "," : "", numbered(blocks[i]->d_name, "memory"));
			jattr(dir, "state");
			putchar(',');
			jattr(dir, "valid_zones");
			/* The block's node is only visible as nodeN links inside its directory (boot blocks
			 * spanning two nodes have two). */
			struct dirent **nodes;
			int m = scan_numbered(dir, "node", &nodes);
			fputs(",\"nodes\":", stdout);
			if (m < 0) {
				printf("{\"errno\":%d}}", -m);
			} else {
				putchar('[');
				for (int k = 0; k < m; k++)
					printf("%s%ld", k ? "," : "", numbered(nodes[k]->d_name, "node"));
				fputs("]}", stdout);
				free_list(nodes, m);
			}
		}
		putchar(']');
		free_list(blocks, n);
	}
	putchar(',');
	jattr(mem, "block_size_bytes");
	putchar(',');
	jattr(mem, "auto_online_blocks");
}

static void observe_meminfo(void)
{
	char *buf;
	size_t len;
	fputs(",\"memtotal\":", stdout);
	int e = slurp("/proc/meminfo", &buf, &len);
	if (e) {
		printf("{\"errno\":%d}", e);
		return;
	}
	char *line = memmem(buf, len, "MemTotal:", 9);
	if (line && (line == buf || line[-1] == '\n')) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		jstr(line, nl ? (size_t)(nl - line + 1) : (size_t)(buf + len - line));
	} else {
		fputs("null", stdout);
	}
	free(buf);
}

static void observe(const struct req *r)
{
	struct dirent **devs;
	char **hosts = NULL;
	int nhosts = 0;
	fputs("{\"observe\":{\"devices\":", stdout);
	int n = scandir("/sys/bus/dax/devices", &devs, not_dot, alphasort), e = n < 0 ? errno : 0;
	if (e && e != ENOENT) { /* no dax bus yet (modules not loaded) is simply no devices */
		printf("{\"errno\":%d}", e);
	} else {
		putchar('[');
		for (int i = 0; i < n; i++) {
			if (i)
				putchar(',');
			char *host = observe_device(devs[i]->d_name, r->attrs[0], r->attrs[1]);
			if (host) {
				hosts = xrealloc(hosts, sizeof *hosts * (size_t)(nhosts + 1));
				hosts[nhosts++] = host;
			}
		}
		putchar(']');
		if (n >= 0)
			free_list(devs, n);
	}

	fputs(",\"regions\":[", stdout);
	qsort(hosts, (size_t)nhosts, sizeof *hosts, by_string);
	for (int i = 0, first = 1; i < nhosts; i++) {
		if (i && !strcmp(hosts[i], hosts[i - 1]))
			continue;
		char dir[PATH_MAX];
		join(dir, hosts[i], "dax_region");
		fputs(first ? "{\"host\":" : ",{\"host\":", stdout);
		first = 0;
		jcstr(hosts[i]);
		jattrs(dir, r->attrs[2]);
		putchar('}');
	}
	putchar(']');
	for (int i = 0; i < nhosts; i++)
		free(hosts[i]);
	free(hosts);

	fputs(",\"iomem\":", stdout);
	jfile("/proc/iomem");
	observe_memory();
	observe_meminfo();
	fputs("}}", stdout);
}

static void put_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(1, "cannot set up fault injection", path);
	close(fd);
}

/*
 * F: failslab must not skip allocations that may sleep (ignore-gfp-wait is Y by default, and nearly every
 * allocation of a sysfs write is GFP_KERNEL), and prints one notice per injected failure, no stack dump
 * (verbose 1), so a judged kernel log holds no call trace of the harness's own making. Probability stays 0:
 * only this thread's fail-nth fails anything (should_fail_ex in lib/fault-inject.c).
 */
static int arm_fail_nth(long long nth)
{
	put_text("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	put_text("/sys/kernel/debug/failslab/verbose", "1");
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	char num[24];
	snprintf(num, sizeof num, "%lld", nth);
	if (fd < 0 || write(fd, num, strlen(num)) != (ssize_t)strlen(num))
		die(1, "cannot set up fault injection", "/proc/thread-self/fail-nth");
	return fd;
}

/* Reads what is left of fail-nth (0: the failure was injected) and disarms it before anything else runs. */
static int disarm_fail_nth(int fd)
{
	char num[24] = { 0 };
	ssize_t n = pread(fd, num, sizeof num - 1, 0);
	if (n <= 0 || pwrite(fd, "0", 1, 0) != 1)
		die(1, "cannot read back fault injection", "/proc/thread-self/fail-nth");
	close(fd);
	return atoi(num) == 0;
}

static void on_patience_out(int sig)
{
	(void)sig;
}

/* T: interrupt the write after r->after ms. The handler does nothing: its only job is signal_pending(). */
static void arm_patience(const struct req *r, struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_patience_out };
	struct itimerval t = { .it_value = { .tv_sec = r->after / 1000, .tv_usec = (r->after % 1000) * 1000 } };
	if (sigaction(SIGALRM, &sa, old) || setitimer(ITIMER_REAL, &t, NULL))
		die(1, "cannot arm the write's patience timer", strerror(errno));
}

static void disarm_patience(const struct sigaction *old)
{
	struct itimerval off = { 0 };
	if (setitimer(ITIMER_REAL, &off, NULL) || sigaction(SIGALRM, old, NULL))
		die(1, "cannot disarm the write's patience timer", strerror(errno));
}

static void do_write(const struct req *r)
{
	struct sigaction old_alarm;
	int fd = open(r->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("{\"errno\":%d", errno);
		fputs(r->kind == 'F' ? ",\"injected\":false}" : "}", stdout);
		return;
	}
	int nth = r->kind == 'F' ? arm_fail_nth(r->after) : -1;
	if (r->kind == 'T')
		arm_patience(r, &old_alarm);
	ssize_t w = write(fd, r->value, r->len);
	int e = errno;
	if (r->kind == 'T')
		disarm_patience(&old_alarm);
	int injected = nth >= 0 ? disarm_fail_nth(nth) : 0;
	close(fd);
	if (w < 0)
		printf("{\"errno\":%d", e);
	else if ((size_t)w < r->len)
		printf("{\"ok\":true,\"written\":%zd", w);
	else
		fputs("{\"ok\":true", stdout);
	if (nth >= 0)
		printf(",\"injected\":%s", injected ? "true" : "false");
	putchar('}');
}

static sigjmp_buf touch_failed;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(touch_failed, 1);
}

/* A fault the kernel answers with SIGBUS (VM_FAULT_SIGBUS) is a result, EFAULT, not a dead helper. */
static int touch(volatile unsigned char *p, size_t len)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	sigaction(SIGBUS, &sa, &old);
	int e = 0;
	if (sigsetjmp(touch_failed, 1))
		e = EFAULT;
	else {
		p[0] = 0xa5;
		p[len - 1] = 0x5a;
		if (p[0] != 0xa5 || p[len - 1] != 0x5a)
			e = EIO;
	}
	sigaction(SIGBUS, &old, NULL);
	return e;
}

static void do_mmap(const struct req *r)
{
	size_t len = (size_t)r->after;
	int fd = open(r->path, O_RDWR | O_CLOEXEC), e = 0;
	if (fd < 0) {
		printf("{\"errno\":%d}", errno);
		return;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		e = errno;
	else {
		e = touch(p, len);
		munmap(p, len);
	}
	close(fd);
	if (e)
		printf("{\"errno\":%d}", e);
	else
		fputs("{\"ok\":true}", stdout);
}

static void do_read(const struct req *r)
{
	char *buf;
	size_t len;
	int e = slurp(r->path, &buf, &len);
	if (e) {
		printf("{\"errno\":%d}", e);
		return;
	}
	fputs("{\"ok\":true,\"value\":", stdout);
	jstr(buf, len);
	putchar('}');
	free(buf);
}

static void do_link(const struct req *r)
{
	char name[PATH_MAX];
	int e = link_name(r->path, name);
	if (e) {
		printf("{\"errno\":%d}", e);
		return;
	}
	fputs("{\"ok\":true,\"value\":", stdout);
	jcstr(name);
	putchar('}');
}

/* Each read(2) of /dev/kmsg returns one record: "prio,seq,usec,flags[,...];message\n" + " KEY=value\n"... */
static void do_kmsg(const struct req *r)
{
	static char rec[KMSG_RECORD_MAX + 1];
	long long last = r->after;
	int first = 1, err = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		err = errno;
	fputs("{\"records\":[", stdout);
	while (fd >= 0) {
		ssize_t n = read(fd, rec, KMSG_RECORD_MAX);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EPIPE) /* EPIPE: records were overwritten; go on */
				continue;
			if (errno != EAGAIN)
				err = errno;
			break;
		}
		rec[n] = 0;
		char *semi = strchr(rec, ';'), *p;
		unsigned long prio = strtoul(rec, &p, 10);
		if (!semi || *p != ',')
			continue;
		long long seq = strtoll(p + 1, NULL, 10);
		if (seq <= r->after)
			continue;
		char *msg = semi + 1, *nl = strchr(msg, '\n');
		printf("%s{\"seq\":%lld,\"level\":%lu,\"msg\":", first ? "" : ",", seq, prio & 7);
		jstr(msg, nl ? (size_t)(nl - msg) : strlen(msg));
		putchar('}');
		first = 0;
		if (seq > last)
			last = seq;
	}
	if (fd >= 0)
		close(fd);
	printf("],\"last\":%lld", last);
	if (err)
		printf(",\"errno\":%d", err);
	putchar('}');
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Splits a comma-separated list of file names in place into a NULL-terminated array; NULL if a name is bad. */
static char **name_list(char *list)
{
	size_t n = 1;
	for (char *c = list; *c; c++)
		n += *c == ',';
	char **out = xrealloc(NULL, sizeof *out * (n + 1));
	size_t k = 0;
	for (char *tok = list, *next; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = 0;
		if (!*tok || strchr(tok, '/') || !strcmp(tok, ".") || !strcmp(tok, "..")) {
			free(out);
			return NULL;
		}
		out[k++] = tok;
	}
	out[k] = NULL;
	return out;
}

/* A whole field of decimal digits (a sign allowed) within [min, max]. */
static int decimal(const char *field, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(field, &end, 10);
	if (!*field || *end || errno || v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

/* Parses one request line in place; returns NULL or what is wrong with it. */
static const char *parse_line(char *line, struct req *r)
{
	char *f[4] = { line, NULL, NULL, NULL };
	int nf = 1;
	for (char *tab = strchr(line, '\t'); tab; tab = strchr(tab + 1, '\t')) {
		if (nf == 4)
			return "too many tab-separated fields";
		*tab = 0;
		f[nf++] = tab + 1;
	}
	r->kind = strlen(f[0]) == 1 ? f[0][0] : 0;
	int want = r->kind == 'F' || r->kind == 'T' ? 4 : r->kind == 'W' || r->kind == 'M' ? 3 : r->kind == 'R' || r->kind == 'L' || r->kind == 'K' || r->kind == 'P' ? 2 : r->kind == 'O' ? 4 : 0;
	if (!want)
		return "unknown request";
	if (nf != want)
		return "wrong number of tab-separated fields";
	if (r->kind == 'O') {
		for (int i = 0; i < 3; i++)
			if (!(r->attrs[i] = name_list(f[i + 1])))
				return "bad file name list";
		return NULL;
	}
	if (r->kind == 'P')
		return decimal(f[1], 2, TOGETHER_MAX, &r->after) ? NULL : "bad number of requests to run together";
	if (r->kind == 'K')
		return decimal(f[1], -1, LLONG_MAX, &r->after) ? NULL : "bad kmsg sequence number";
	if (want > 1 && !*f[1])
		return "empty path";
	r->path = f[1];
	if (r->kind == 'F' && !decimal(f[3], 1, 1000000, &r->after))
		return "bad fail-nth";
	if (r->kind == 'T' && !decimal(f[3], 1, 3600000, &r->after))
		return "bad patience (milliseconds, 1 to 3600000)";
	if (r->kind == 'M')
		return decimal(f[2], 1, LLONG_MAX, &r->after) ? NULL : "bad mmap length";
	if (r->kind != 'W' && r->kind != 'F' && r->kind != 'T')
		return NULL;
	size_t digits = strlen(f[2]);
	if (digits % 2)
		return "odd number of hex digits";
	r->len = digits / 2;
	r->value = (unsigned char *)f[2]; /* decoded in place: each byte lands behind the digits it came from */
	for (size_t i = 0; i < r->len; i++) {
		int hi = hexval(f[2][2 * i]), lo = hexval(f[2][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return "bad hex digit";
		r->value[i] = (unsigned char)(hi << 4 | lo);
	}
	return NULL;
}

static struct req *parse_batch(char *in, size_t len, int *count)
{
	struct req *reqs = NULL;
	int n = 0;
	if (memchr(in, 0, len))
		die(2, "malformed batch", "NUL byte in input");
	for (char *p = in, *end = in + len; p < end; n++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = 0;
		reqs = xrealloc(reqs, sizeof *reqs * (size_t)(n + 1));
		memset(&reqs[n], 0, sizeof *reqs);
		const char *why = parse_line(p, &reqs[n]);
		if (why) {
			fprintf(stderr, "daxh-helper: malformed batch, line %d: %s\n", n + 1, why);
			exit(2);
		}
		p = nl ? nl + 1 : end;
	}
	for (int i = 0; i < n; i++) {
		if (reqs[i].kind != 'P')
			continue;
		int k = (int)reqs[i].after;
		if (i + k >= n) {
			fprintf(stderr, "daxh-helper: malformed batch, line %d: fewer than %d requests follow\n", i + 1, k);
			exit(2);
		}
		for (int j = i + 1; j <= i + k; j++)
			if (reqs[j].kind != 'W' && reqs[j].kind != 'T' && reqs[j].kind != 'R') {
				fprintf(stderr, "daxh-helper: malformed batch, line %d: only W, T and R run together\n", j + 1);
				exit(2);
			}
		i += k;
	}
	*count = n;
	return reqs;
}

static void run_one(const struct req *r)
{
	switch (r->kind) {
	case 'W':
	case 'T':
	case 'F': do_write(r); break;
	case 'M': do_mmap(r); break;
	case 'R': do_read(r); break;
	case 'L': do_link(r); break;
	case 'O': observe(r); break;
	case 'K': do_kmsg(r); break;
	}
}

/*
 * Runs n requests at once, one child each. Every child blocks reading the barrier pipe; closing its write
 * end releases them all in the same instant, which is as close to simultaneous system calls as userspace
 * gets. Each child answers into its own pipe, and the answers are copied out in request order. A child
 * whose system call never returns keeps this process waiting: the host's step deadline names that a hang.
 */
static void run_together(const struct req *reqs, int n)
{
	int barrier[2], out[TOGETHER_MAX];
	pid_t pid[TOGETHER_MAX];
	if (fflush(stdout) || pipe2(barrier, O_CLOEXEC))
		die(1, "cannot set up requests to run together", strerror(errno));
	for (int k = 0; k < n; k++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC))
			die(1, "pipe", strerror(errno));
		pid[k] = fork();
		if (pid[k] < 0)
			die(1, "fork", strerror(errno));
		if (pid[k] == 0) {
			char c;
			close(barrier[1]);
			if (dup2(p[1], 1) < 0)
				_exit(1);
			while (read(barrier[0], &c, 1) < 0 && errno == EINTR)
				;
			run_one(&reqs[k]);
			_exit(fflush(stdout) ? 1 : 0);
		}
		close(p[1]);
		out[k] = p[0];
	}
	close(barrier[1]);
	close(barrier[0]);
	for (int k = 0; k < n; k++) {
		char *buf;
		size_t len;
		int status, e = slurp_fd(out[k], &buf, &len);
		while (waitpid(pid[k], &status, 0) < 0 && errno == EINTR)
			;
		if (e || !WIFEXITED(status) || WEXITSTATUS(status) || !len)
			die(1, "a request run together failed in its own process", e ? strerror(e) : NULL);
		if (k)
			putchar(',');
		fwrite(buf, 1, len, stdout);
		free(buf);
	}
}

/* One batch's answer on stdout: {"results":[...]} and a newline, flushed. */
static void answer(const struct req *reqs, int n)
{
	fputs("{\"results\":[", stdout);
	for (int i = 0; i < n; i++) {
		if (i)
			putchar(',');
		if (reqs[i].kind == 'P') {
			int k = (int)reqs[i].after;
			printf("{\"together\":%d},", k);
			run_together(&reqs[i + 1], k);
			i += k;
			continue;
		}
		run_one(&reqs[i]);
	}
	fputs("]}\n", stdout);
	if (fflush(stdout) || ferror(stdout))
		die(1, "writing stdout failed", strerror(errno));
}

static void free_batch(struct req *reqs, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			free(reqs[i].attrs[k]);
	free(reqs);
}

/*
 * serve: batches one after another on one channel, so a step costs no SSH channel and no process start.
 * Each batch comes as its length in bytes on a line of its own, then those bytes; each answer is one line.
 * EOF ends it. A malformed batch ends it too, exit 2, as in batch mode.
 */
static void serve(void)
{
	for (;;) {
		char header[32];
		size_t got = 0;
		for (;;) { /* read(2), not stdio: nothing of the next batch may sit in a buffer a fork copies */
			ssize_t r = read(0, header + got, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die(1, "serve: reading stdin failed", strerror(errno));
			if (r == 0) {
				if (got)
					die(2, "serve: input ended inside a batch header", NULL);
				return;
			}
			if (header[got] == '\n')
				break;
			if (++got == sizeof header - 1)
				die(2, "serve: batch header too long", NULL);
		}
		header[got] = 0;
		long long len;
		if (!decimal(header, 1, 1 << 24, &len))
			die(2, "serve: bad batch length", header);
		char *in = xrealloc(NULL, (size_t)len);
		for (size_t at = 0; at < (size_t)len;) {
			ssize_t r = read(0, in + at, (size_t)len - at);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die(2, "serve: input ended inside a batch", r < 0 ? strerror(errno) : NULL);
			at += (size_t)r;
		}
		int n;
		struct req *reqs = parse_batch(in, (size_t)len, &n);
		answer(reqs, n);
		free_batch(reqs, n);
		free(in);
	}
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	struct req one = { 0 }, *reqs = &one;
	int n = 1;
	if (argc == 5 && !strcmp(argv[1], "observe")) {
		one.kind = 'O';
		for (int i = 0; i < 3; i++)
			if (!(one.attrs[i] = name_list(argv[i + 2])))
				die(2, "observe: bad file name list", argv[i + 2]);
	} else if (argc == 3 && !strcmp(argv[1], "read")) {
		one.kind = 'R';
		one.path = argv[2];
	} else if (argc == 4 && !strcmp(argv[1], "write")) {
		one.kind = 'W';
		one.path = argv[2];
		one.value = (unsigned char *)argv[3];
		one.len = strlen(argv[3]);
	} else if (argc == 2 && !strcmp(argv[1], "serve")) {
		serve();
		return 0;
	} else if (argc == 1) {
		char *in;
		size_t len;
		int e = slurp_fd(0, &in, &len); /* not /dev/stdin: the guest's devtmpfs has no such link */
		if (e)
			die(2, "cannot read stdin", strerror(e));
		reqs = parse_batch(in, len, &n);
	} else {
		die(2, "usage: daxh-helper [observe DEV MAP REG | read PATH | write PATH VALUE | serve] (no arguments: batch on stdin)", NULL);
	}
	answer(reqs, n);
	return 0;
}
