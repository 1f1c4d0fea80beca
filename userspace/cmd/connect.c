// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * primetrace leaks|objects|top --connect PATH: the command line goes to
 * the monitor's socket, its answer to standard output and error, and its
 * exit code is this process's (the exchange: monitor.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lifetime.h"
#include "monitor.h"
#include "options.h"

/* len bytes from fd to f (NULL: read and drop): 0, or -errno */
static int copy(int fd, FILE *f, size_t len)
{
	char buf[4096];

	while (len) {
		ssize_t r = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -EPROTO;
		if (f && fwrite(buf, 1, r, f) != (size_t)r)
			f = NULL;
		len -= r;
	}
	return 0;
}

static int fail(const char *path, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", pt_prog, path, why);
	return PT_EXIT_ERROR;
}

int pt_lifetime_connect(struct pt_lifetime *lt, const char *cmd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { 60, 0 };
	char *req, head[96];
	size_t len = sizeof(PT_MONITOR_MAGIC) - 1 + strlen(cmd) + 2, off, h = 0;
	unsigned long long outlen, errlen;
	int fd, rc, err;

	if (strlen(lt->connect) >= sizeof(a.sun_path))
		return fail(lt->connect, "path too long for a unix socket");
	for (int i = 1; i < lt->argc; i++)
		len += strlen(lt->argv[i]) + 1;
	if (len > PT_MONITOR_REQ_MAX || lt->argc > PT_MONITOR_MAX_ARGS)
		return fail(lt->connect, "command line too long for the monitor");
	req = malloc(len);
	if (!req)
		return fail(lt->connect, strerror(ENOMEM));
	off = sprintf(req, "%s%s", PT_MONITOR_MAGIC, cmd) + 1;
	for (int i = 1; i < lt->argc; i++)
		off += sprintf(req + off, "%s", lt->argv[i]) + 1;
	req[off++] = '\0';
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", lt->connect);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		err = errno;
		free(req);
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "%s: %s: %s (is 'primetrace monitor' running there?)\n", pt_prog,
			lt->connect, strerror(err));
		return PT_EXIT_ERROR;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (size_t sent = 0; sent < off;) {
		ssize_t w = send(fd, req + sent, off - sent, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			err = errno;
			free(req);
			close(fd);
			return fail(lt->connect, strerror(err));
		}
		sent += w;
	}
	free(req);
	/* "rc=N out=LEN err=LEN\n" */
	while (h < sizeof(head) - 1) {
		ssize_t r = read(fd, head + h, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || head[h] == '\n')
			break;
		h++;
	}
	head[h] = '\0';
	if (sscanf(head, "rc=%d out=%llu err=%llu", &rc, &outlen, &errlen) != 3) {
		close(fd);
		return fail(lt->connect, "the monitor closed without an answer");
	}
	err = copy(fd, stdout, outlen);
	if (!err)
		err = copy(fd, stderr, errlen);
	close(fd);
	if (err)
		return fail(lt->connect, "the monitor's answer was cut short");
	return pt_output_close(stdout, NULL) ?: rc;
}
