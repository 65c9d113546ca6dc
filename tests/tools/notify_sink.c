/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * notify_sink.c - systemd's end of sd_notify, for the black-box tests: binds a Unix datagram socket at PATH (what
 * systemd passes a Type=notify service as NOTIFY_SOCKET) and prints each datagram it receives on a line of its own,
 * its newlines shown as '|', until it is killed. It prints "listening" once the socket is bound.
 * Usage: notify_sink PATH
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[4096];
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: notify_sink PATH (shorter than %zu bytes)\n", sizeof(addr.sun_path));
		return 2;
	}
	memcpy(addr.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("notify_sink: cannot bind");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0)
			continue;
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		printf("%s\n", buf);
		fflush(stdout);
	}
}
