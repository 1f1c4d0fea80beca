// SPDX-License-Identifier: MIT
/*
 * The harness: command line, subtest selection, results and exit codes, with
 * IGT's user-visible behaviour (see igt_core.h).
 *
 * Live checker protocol. A checker (e.g. 'primetrace check') that runs a test
 * binary as its child passes PRIMETRACE_CHECK_FDS=WFD,RFD (or a single fd, a
 * socket, used both ways). Around each subtest the harness writes one line
 * and waits for one line back:
 *
 *   begin TEST SUBTEST\n          -> "ok\n" once the checker is ready
 *   end TEST SUBTEST RESULT\n     -> "ok\n", or "fail REASON\n" when the
 *                                    checker saw a violation in the subtest
 *
 * RESULT is SUCCESS, FAIL or SKIP. A subtest that passed on its own fails
 * when the checker answers "fail" (or goes away); the reason is logged.
 */
#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "igt_core.h"
#include "igt_drm.h"

sigjmp_buf igt_subtest_jmpbuf;

enum skip_mode {
	CONTINUE = 0,
	SKIP,
	FAIL,
};

static const char *command_str = "igt";
static bool list_subtests;
static bool describe_subtests;
static bool show_testlist;
static char *run_single_subtest;
static bool run_single_subtest_found;
static bool plain_output;
static enum igt_log_level log_level = IGT_LOG_INFO;

static bool in_fixture;
static const char *in_subtest;
static enum skip_mode skip_subtests_henceforth;
static bool skipped_one, succeeded_one, failed_one;
static int igt_exitcode = IGT_EXIT_SUCCESS;
static struct timespec subtest_time;
static char current_description[4096];
static char group_description[8][4096];
static int group_depth;

static bool test_child;
static pid_t children[64];
static int num_children;

static int check_wfd = -1, check_rfd = -1;
static bool check_lost; /* the checker went away: no subtest can pass */
static char check_verdict[512];
static char check_begin[512]; /* its answer to "begin", if not "ok" */

/* The last lines logged, dumped when a subtest fails. */
#define LOG_RING 64
static char *log_ring[LOG_RING];
static unsigned int log_head, log_len;

static double time_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - then->tv_sec) + (now.tv_nsec - then->tv_nsec) / 1e9;
}

static void kmsg(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	f = fopen("/dev/kmsg", "w");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void log_ring_add(char *line)
{
	unsigned int slot = (log_head + log_len) % LOG_RING;

	if (log_len == LOG_RING) {
		free(log_ring[log_head]);
		slot = log_head;
		log_head = (log_head + 1) % LOG_RING;
	} else {
		log_len++;
	}
	log_ring[slot] = line;
}

static void log_ring_reset(void)
{
	while (log_len) {
		free(log_ring[log_head]);
		log_head = (log_head + 1) % LOG_RING;
		log_len--;
	}
	log_head = 0;
}

static void log_ring_dump(void)
{
	if (in_subtest)
		fprintf(stderr, "Subtest %s failed.\n", in_subtest);
	else
		fprintf(stderr, "Test %s failed.\n", command_str);
	if (!log_len) {
		fprintf(stderr, "No log.\n");
		return;
	}
	fprintf(stderr, "**** DEBUG ****\n");
	for (unsigned int i = 0; i < log_len; i++)
		fputs(log_ring[(log_head + i) % LOG_RING], stderr);
	fprintf(stderr, "****  END  ****\n");
	log_ring_reset();
}

void igt_log(enum igt_log_level level, const char *f, ...)
{
	static const char *const names[] = { "DEBUG", "INFO", "WARNING", "CRITICAL" };
	char *line = NULL, *full = NULL;
	va_list ap;

	if (igt_only_list_subtests() && level <= IGT_LOG_WARN)
		return;
	va_start(ap, f);
	if (vasprintf(&line, f, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	if (asprintf(&full, "(%s:%d) %s: %s", command_str, getpid(), names[level], line) < 0)
		full = NULL;
	if (full)
		log_ring_add(full);

	if (level >= log_level) {
		if (level >= IGT_LOG_WARN) {
			fflush(stdout);
			fputs(full ? full : line, stderr);
		} else if (level == IGT_LOG_INFO) {
			fputs(line, stdout);
		} else {
			fputs(full ? full : line, stdout);
		}
	}
	free(line);
}

/* --- the live checker ------------------------------------------------------ */

static void check_init(void)
{
	const char *env = getenv("PRIMETRACE_CHECK_FDS");
	char *end;

	if (!env || !*env)
		return;
	check_wfd = strtol(env, &end, 10);
	check_rfd = *end == ',' ? strtol(end + 1, &end, 10) : check_wfd;
	if (*end || check_wfd < 0 || check_rfd < 0 || fcntl(check_wfd, F_GETFD) < 0 ||
	    fcntl(check_rfd, F_GETFD) < 0) {
		fprintf(stderr, "%s: PRIMETRACE_CHECK_FDS='%s' does not name open fds\n",
			command_str, env);
		exit(IGT_EXIT_INVALID);
	}
	/* a checker that goes away turns into a failure, not a SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
}

/* Send one request, read one reply line into check_verdict; false if the
 * checker is gone. */
static bool check_call(const char *fmt, ...)
{
	char req[512];
	size_t len = 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(req))
		return false;
	if (write(check_wfd, req, n) != n)
		goto gone;
	while (len < sizeof(check_verdict) - 1) {
		ssize_t r = read(check_rfd, check_verdict + len, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto gone;
		if (check_verdict[len] == '\n')
			break;
		len++;
	}
	check_verdict[len] = '\0';
	return true;
gone:
	snprintf(check_verdict, sizeof(check_verdict), "fail the checker went away");
	check_wfd = check_rfd = -1;
	check_lost = true;
	return false;
}

/* --- subtests ----------------------------------------------------------------- */

static bool valid_subtest_name(const char *name)
{
	for (; *name; name++)
		if (*name != '_' && *name != '-' && !isalnum((unsigned char)*name))
			return false;
	return true;
}

/*
 * IGT's wildmat: a comma-separated list of shell patterns; a leading '!'
 * negates one; the last pattern that matches decides.
 */
static bool subtest_selected(const char *name, const char *patterns)
{
	char *dup = strdup(patterns), *save = NULL, *p;
	bool selected = false;

	if (!dup)
		return false;
	for (p = strtok_r(dup, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		bool negate = *p == '!';

		if (fnmatch(negate ? p + 1 : p, name, 0) == 0)
			selected = !negate;
	}
	free(dup);
	return selected;
}

static void result_line(const char *name, const char *result, double elapsed)
{
	printf("%sSubtest %s: %s (%.3fs)%s\n", plain_output ? "" : "\x1b[1m", name, result, elapsed,
	       plain_output ? "" : "\x1b[0m");
	fflush(stdout);
}

__attribute__((noreturn)) static void exit_subtest(const char *result)
{
	const char *name = in_subtest;

	if (check_wfd >= 0 || check_lost) {
		const char *verdict = check_verdict;

		if (check_wfd >= 0)
			check_call("end %s %s %s\n", command_str, name, result);
		if (check_begin[0] && !check_lost)
			verdict = check_begin;
		if (strcmp(verdict, "ok") != 0 && strcmp(result, "SUCCESS") == 0) {
			igt_critical("Live check failed: %s\n",
				     strncmp(verdict, "fail ", 5) == 0 ? verdict + 5 : verdict);
			if (!failed_one)
				igt_exitcode = IGT_EXIT_FAILURE;
			failed_one = true;
			result = "FAIL";
			log_ring_dump();
		}
	}

	result_line(name, result, time_since(&subtest_time));
	kmsg("<6>[IGT] %s: finished subtest %s, %s\n", command_str, name, result);

	/* children left behind by a failed subtest */
	for (int i = 0; i < num_children; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	num_children = 0;
	log_ring_reset();
	in_subtest = NULL;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

bool __igt_run_subtest(const char *name, const char *file, int line)
{
	if (!valid_subtest_name(name)) {
		igt_critical("Invalid subtest name \"%s\".\n", name);
		igt_exit();
	}
	if (run_single_subtest) {
		if (!subtest_selected(name, run_single_subtest)) {
			current_description[0] = '\0';
			return false;
		}
		run_single_subtest_found = true;
	}
	if (describe_subtests) {
		printf("SUB %s %s:%d:\n", name, file, line);
		for (int i = 0; i < group_depth; i++)
			if (group_description[i][0])
				printf("  %s\n\n", group_description[i]);
		if (current_description[0])
			printf("  %s\n\n", current_description);
		else
			printf("  NO DOCUMENTATION!\n\n");
		current_description[0] = '\0';
		return false;
	}
	current_description[0] = '\0';
	if (show_testlist) {
		printf("igt@%s@%s\n", command_str, name);
		return false;
	}
	if (list_subtests) {
		printf("%s\n", name);
		return false;
	}
	if (skip_subtests_henceforth) {
		result_line(name, skip_subtests_henceforth == SKIP ? "SKIP" : "FAIL", 0.0);
		return false;
	}

	kmsg("<6>[IGT] %s: starting subtest %s\n", command_str, name);
	printf("Starting subtest: %s\n", name);
	fflush(stdout);
	log_ring_reset();
	in_subtest = name;
	/* a "Last errno" in the subtest's messages is the subtest's own */
	errno = 0;
	check_begin[0] = '\0';
	if (check_wfd >= 0 && check_call("begin %s %s\n", command_str, name) &&
	    strcmp(check_verdict, "ok") != 0)
		snprintf(check_begin, sizeof(check_begin), "%s", check_verdict);
	clock_gettime(CLOCK_MONOTONIC, &subtest_time);
	return true;
}

const char *igt_subtest_name(void)
{
	return in_subtest;
}

const char *igt_test_name(void)
{
	return command_str;
}

bool igt_only_list_subtests(void)
{
	return list_subtests || show_testlist || describe_subtests;
}

void igt_describe(const char *description)
{
	snprintf(current_description, sizeof(current_description), "%s", description);
}

/* what a group restores when it ends: the skip mode, and whether it pushed a
 * description (bit 8) */
int __igt_subtest_group_save(void)
{
	int save = skip_subtests_henceforth;

	if (current_description[0] && group_depth < (int)ARRAY_SIZE(group_description)) {
		snprintf(group_description[group_depth], sizeof(group_description[0]), "%s",
			 current_description);
		group_depth++;
		current_description[0] = '\0';
		save |= 1 << 8;
	}
	return save;
}

void __igt_subtest_group_restore(int save)
{
	if (save & (1 << 8))
		group_depth--;
	skip_subtests_henceforth = save & 0xff;
}

bool __igt_fixture(void)
{
	if (igt_only_list_subtests() || skip_subtests_henceforth)
		return false;
	in_fixture = true;
	return true;
}

void __igt_fixture_complete(void)
{
	in_fixture = false;
}

__attribute__((noreturn)) static void fixture_end(enum skip_mode mode)
{
	skip_subtests_henceforth = mode;
	in_fixture = false;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

void igt_success(void)
{
	succeeded_one = true;
	if (in_subtest)
		exit_subtest("SUCCESS");
	/* igt_success() outside a subtest is a no-op in IGT; only the for-loop
	 * of igt_subtest reaches it here, and always within a subtest. */
	abort();
}

void igt_fail(int exitcode)
{
	if (test_child)
		exit(exitcode);
	if (!failed_one)
		igt_exitcode = exitcode;
	failed_one = true;
	log_ring_dump();
	if (in_subtest)
		exit_subtest("FAIL");
	if (in_fixture)
		fixture_end(FAIL);
	igt_exit();
}

void igt_skip(const char *f, ...)
{
	va_list ap;

	skipped_one = true;
	if (test_child) {
		fprintf(stderr, "%s: skipping in a child process is not allowed\n", command_str);
		exit(IGT_EXIT_FAILURE);
	}
	if (!igt_only_list_subtests()) {
		va_start(ap, f);
		vprintf(f, ap);
		va_end(ap);
	}
	if (in_subtest)
		exit_subtest("SKIP");
	if (in_fixture)
		fixture_end(SKIP);
	igt_exitcode = IGT_EXIT_SKIP;
	igt_exit();
}

void __igt_skip_check(const char *file, int line, const char *func, const char *check,
		      const char *f, ...)
{
	char buf[1024] = "", err[256] = "";
	int saved = errno;
	va_list ap;

	if (saved)
		snprintf(err, sizeof(err), "Last errno: %i, %s\n", saved, strerror(saved));
	if (f) {
		va_start(ap, f);
		vsnprintf(buf, sizeof(buf), f, ap);
		va_end(ap);
	}
	igt_skip("Test requirement not met in function %s, file %s:%i:\n"
		 "Test requirement: %s\n%s%s",
		 func, file, line, check, buf, err);
}

void __igt_fail_assert(const char *file, int line, const char *func, const char *assertion,
		       const char *f, ...)
{
	int saved = errno;
	va_list ap;

	igt_critical("Test assertion failure function %s, file %s:%i:\n", func, file, line);
	igt_critical("Failed assertion: %s\n", assertion);
	if (saved)
		igt_critical("Last errno: %i, %s\n", saved, strerror(saved));
	if (f) {
		char buf[1024];

		va_start(ap, f);
		vsnprintf(buf, sizeof(buf), f, ap);
		va_end(ap);
		igt_critical("%s", buf);
	}
	igt_fail(IGT_EXIT_FAILURE);
}

void igt_exit(void)
{
	if (run_single_subtest && !run_single_subtest_found) {
		igt_critical("Unknown subtest: %s\n", run_single_subtest);
		exit(IGT_EXIT_INVALID);
	}
	if (igt_only_list_subtests())
		exit(IGT_EXIT_SUCCESS);
	if (!failed_one)
		igt_exitcode = succeeded_one ? IGT_EXIT_SUCCESS : IGT_EXIT_SKIP;
	kmsg("<6>[IGT] %s: exiting, ret=%d\n", command_str, igt_exitcode);
	fflush(stdout);
	exit(igt_exitcode);
}

/* --- forks ------------------------------------------------------------------- */

bool __igt_fork(void)
{
	pid_t pid;

	igt_assert(num_children < (int)ARRAY_SIZE(children));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		test_child = true;
		num_children = 0;
		check_wfd = check_rfd = -1;
		return true;
	}
	children[num_children++] = pid;
	return false;
}

void igt_waitchildren(void)
{
	int bad = 0;

	for (int i = 0; i < num_children; i++) {
		int status;

		if (waitpid(children[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			igt_warn("child %d failed (status %#x)\n", children[i], status);
			bad++;
		}
	}
	num_children = 0;
	igt_assert_f(bad == 0, "%d of the children failed\n", bad);
}

/* --- crashes ----------------------------------------------------------------- */

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

static void crash_handler(int sig)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "Received signal %s.\n", strsignal(sig));
	if (n > 0 && write(STDERR_FILENO, buf, n) < 0)
		_exit(IGT_EXIT_FAILURE);
	if (in_subtest && !test_child) {
		n = snprintf(buf, sizeof(buf), "Subtest %s: CRASH (%.3fs)\n", in_subtest,
			     time_since(&subtest_time));
		if (n > 0 && write(STDOUT_FILENO, buf, n) < 0)
			_exit(IGT_EXIT_FAILURE);
	}
	_exit(IGT_EXIT_FAILURE);
}

/* --- the command line -------------------------------------------------------- */

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --show-testlist\n"
		"  --run-subtest <pattern>\n"
		"  --debug[=log-domain]\n"
		"  --describe[=pattern]\n"
		"  --device filters\n"
		"  --version\n"
		"  --help|-h\n"
		"Device filters (';'-separated, or --device repeated; the first is the\n"
		"device under test, the second the peer of cross-device subtests):\n"
		"  /dev/dri/cardN, /dev/dri/renderDN    a node (also as drm:/dev/dri/...)\n"
		"  DRIVER[:N]                           the primary node of the Nth (from 0)\n"
		"                                       device of a driver, e.g. vprime,\n"
		"                                       vprime:1, vgem, virtio_gpu\n"
		"Environment: IGT_DEVICE (filters, when --device is not given),\n"
		"  IGT_FORCE_DRIVER (a driver name, when neither is given), IGT_PLAIN_OUTPUT,\n"
		"  IGT_LOG_LEVEL=debug, PRIMETRACE_CHECK_FDS (live checker)\n",
		command_str);
}

static void print_version(void)
{
	struct utsname uts;

	uname(&uts);
	printf("IGT-Version: 1.0-primetrace (%s) (%s: %s %s)\n", uts.machine, uts.sysname,
	       uts.release, uts.machine);
}

void igt_subtest_init(int argc, char **argv)
{
	enum {
		OPT_LIST = 500,
		OPT_TESTLIST,
		OPT_RUN,
		OPT_DYNAMIC,
		OPT_DEBUG,
		OPT_DESCRIBE,
		OPT_DEVICE,
		OPT_VERSION,
		OPT_HELP = 'h',
	};
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, OPT_LIST },
		{ "show-testlist", no_argument, NULL, OPT_TESTLIST },
		{ "run-subtest", required_argument, NULL, OPT_RUN },
		{ "dynamic-subtest", required_argument, NULL, OPT_DYNAMIC },
		{ "debug", optional_argument, NULL, OPT_DEBUG },
		{ "describe", optional_argument, NULL, OPT_DESCRIBE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *env;
	bool device_given = false;
	int c;

	command_str = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	plain_output = !isatty(STDOUT_FILENO) || getenv("IGT_PLAIN_OUTPUT");
	env = getenv("IGT_LOG_LEVEL");
	if (env && strcmp(env, "debug") == 0)
		log_level = IGT_LOG_DEBUG;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LIST:
			if (!run_single_subtest)
				list_subtests = true;
			break;
		case OPT_TESTLIST:
			show_testlist = true;
			break;
		case OPT_RUN:
			if (!igt_only_list_subtests())
				run_single_subtest = strdup(optarg);
			break;
		case OPT_DYNAMIC:
			/* no dynamic subtests here: nothing to select */
			break;
		case OPT_DEBUG:
			log_level = IGT_LOG_DEBUG;
			break;
		case OPT_DESCRIBE:
			if (optarg)
				run_single_subtest = strdup(optarg);
			describe_subtests = true;
			break;
		case OPT_DEVICE:
			igt_device_filter_add(optarg);
			device_given = true;
			break;
		case OPT_VERSION:
			print_version();
			exit(IGT_EXIT_SUCCESS);
		case OPT_HELP:
			print_usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		default:
			print_usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", command_str, argv[optind]);
		print_usage(stderr);
		exit(IGT_EXIT_INVALID);
	}
	/* as in IGT: --device, else IGT_DEVICE, else IGT_FORCE_DRIVER */
	env = getenv("IGT_DEVICE");
	if (!device_given && env && *env) {
		igt_device_filter_add(env);
		device_given = true;
	}
	env = getenv("IGT_FORCE_DRIVER");
	if (!device_given && env && *env)
		igt_device_filter_add(env);

	if (igt_only_list_subtests())
		return;

	check_init();
	for (unsigned int i = 0; i < ARRAY_SIZE(crash_signals); i++)
		signal(crash_signals[i], crash_handler);
	kmsg("<6>[IGT] %s: executing\n", command_str);
	print_version();
	fflush(stdout);
	errno = 0;
}
