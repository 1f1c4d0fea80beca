// SPDX-License-Identifier: GPL-2.0
/*
 * monitor_client: a misbehaving client of 'primetrace monitor''s unix
 * socket, for the tests: it connects to PATH and then
 *   partial  sends half a request and waits (to be killed)
 *   noread   sends a whole request ("objects -j") and never reads the answer
 *   garbage  sends bytes that are not a request, more than the monitor takes
 * and prints "READY" once it did, then sleeps until killed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char req[] = "PTMON1\nobjects\0-j\0";
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char junk[16384];
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: monitor_client PATH partial|noread|garbage\n");
		return 2;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("monitor_client: connect");
		return 1;
	}
	if (!strcmp(argv[2], "partial")) {
		send(fd, req, 10, MSG_NOSIGNAL);
	} else if (!strcmp(argv[2], "noread")) {
		send(fd, req, sizeof(req),
		     MSG_NOSIGNAL); /* the terminating NUL is the empty argument */
	} else if (!strcmp(argv[2], "garbage")) {
		memset(junk, 'x', sizeof(junk));
		send(fd, junk, sizeof(junk), MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		fprintf(stderr, "monitor_client: %s: partial, noread or garbage\n", argv[2]);
		return 2;
	}
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
