/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sandbox.c - Landlock, the drop from root and the seccomp allowlist of a serving privd (sandbox.h says why).
 *
 * Landlock restricts the thread that enters it and the threads it makes afterwards, so it is entered before the
 * service makes any; the allowlist is installed last, on every thread at once (TSYNC), once nothing needs more.
 * Only system calls the libraries privd serves with make are allowed (libc, libmicrohttpd and GnuTLS, SQLite,
 * libpq, libcurl, libsodium); any other gets EPERM rather than a kill, so that a call a library makes on a path
 * the tests never reach fails as an error the caller handles, and the server stays up.
 */
#include "service/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"

/* Rights of later Landlock ABIs, for headers older than the kernel (Debian 12's know ABI 2) */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif

#define RO_FILE LANDLOCK_ACCESS_FS_READ_FILE
#define RO (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define RW_FILE (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)
#define RW                                                                                                             \
	(RO | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |         \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR)
#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_EXECUTE)

/* What libraries read of the system: shared libraries and their NSS modules, time zones, certificates, the
 * resolver's files, the CPU count. Read only; none is written. */
static const char *const system_ro[] = {"/usr/lib",
                                        "/usr/lib64",
                                        "/lib",
                                        "/lib64",
                                        "/usr/share/zoneinfo",
                                        "/usr/share/ca-certificates",
                                        "/etc/ssl",
                                        "/etc/ca-certificates",
                                        "/etc/resolv.conf",
                                        "/etc/hosts",
                                        "/etc/nsswitch.conf",
                                        "/etc/gai.conf",
                                        "/etc/host.conf",
                                        "/etc/localtime",
                                        "/etc/services",
                                        "/etc/protocols",
                                        "/etc/gnutls",
                                        "/etc/crypto-policies",
                                        "/sys/devices/system/cpu",
                                        "/proc/self",
                                        "/proc/sys/kernel",
                                        "/dev/urandom",
                                        "/dev/random",
                                        NULL};

static long ll_create(const struct landlock_ruleset_attr *a, size_t size, unsigned flags)
{
	return syscall(SYS_landlock_create_ruleset, a, size, flags);
}

/* Allows access (masked to what a file may have when path is one) beneath path; a path that does not exist is
 * skipped. */
static int ll_allow(int ruleset, const char *path, __u64 access, __u64 handled)
{
	struct landlock_path_beneath_attr pb = {0};
	struct stat st;
	int fd, rc;

	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= FILE_RIGHTS | RW_FILE;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

/* The directory of path (a file) into out. */
static const char *dir_of(const char *path, char *out, size_t len)
{
	if (path == NULL || path[0] == '\0')
		return NULL;
	snprintf(out, len, "%s", path);
	return dirname(out);
}

/* Every right the kernel's ABI knows, so that none is left unrestricted. */
static __u64 handled_for(int abi)
{
	__u64 h = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: EXECUTE to MAKE_SYM */

	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return h;
}

static enum privd_rc landlock(const struct privd_config *c, int abi, struct privd_err *err)
{
	struct landlock_ruleset_attr attr = {.handled_access_fs = handled_for(abi)};
	char buf[6][1024];
	int rs = (int)ll_create(&attr, sizeof(attr), 0), bad = 0;
	enum privd_rc rc = PRIVD_OK;

	if (rs < 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot create a Landlock ruleset: %s", strerror(errno));
	bad |= ll_allow(rs, c->data_dir, RW | LANDLOCK_ACCESS_FS_TRUNCATE, attr.handled_access_fs);
	bad |= ll_allow(rs, dir_of(c->log_file, buf[0], sizeof(buf[0])), RW, attr.handled_access_fs);
	bad |= ll_allow(rs, dir_of(privd_config_path(c, buf[4], sizeof(buf[4])), buf[1], sizeof(buf[1])), RO,
	                attr.handled_access_fs);
	bad |= ll_allow(rs, privd_share_dir(), RO, attr.handled_access_fs);
	bad |= ll_allow(rs, c->web_dir, RO, attr.handled_access_fs);
	bad |= ll_allow(rs, dir_of(c->calendar_file, buf[2], sizeof(buf[2])), RO, attr.handled_access_fs);
	bad |= ll_allow(rs, dir_of(c->eu_age_file, buf[3], sizeof(buf[3])), RO, attr.handled_access_fs);
	bad |= ll_allow(rs, dir_of(c->smtp_ca_file, buf[5], sizeof(buf[5])), RO, attr.handled_access_fs);
	bad |= ll_allow(rs, c->tls_cert, RO_FILE, attr.handled_access_fs);
	bad |= ll_allow(rs, c->tls_key, RO_FILE, attr.handled_access_fs);
	bad |= ll_allow(rs, "/dev/null", RW_FILE, attr.handled_access_fs);
	for (size_t i = 0; system_ro[i] != NULL; i++)
		bad |= ll_allow(rs, system_ro[i], RO, attr.handled_access_fs);
	if (bad)
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot add a Landlock rule: %s", strerror(errno));
	else if (syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot enter the Landlock ruleset: %s", strerror(errno));
	close(rs);
	return rc;
}

enum privd_rc privd_sandbox_files(const struct privd_config *c, struct privd_sandbox *sb, struct privd_err *err)
{
	const struct passwd *pw = NULL;
	long abi;

	memset(sb, 0, sizeof(*sb));
	sb->on = c->sandbox;
	if (!sb->on) {
		privd_log(PRIVD_LOG_WARN, "sandbox.off", "\"reason\":\"[server] sandbox = false\"");
		return PRIVD_OK;
	}
	if (geteuid() == 0 && c->user[0] != '\0') {
		pw = getpwnam(c->user);
		if (pw != NULL) {
			sb->drop = true;
			sb->uid = pw->pw_uid;
			sb->gid = pw->pw_gid;
		} else {
			privd_log(PRIVD_LOG_WARN, "sandbox.user_missing", "\"user\":\"%s\",\"reason\":\"staying root\"",
			          c->user);
		}
	}
	/* SQLite's temporary files (large sorts) in the data directory, the one place it may write */
	setenv("SQLITE_TMPDIR", c->data_dir, 1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot set no_new_privs: %s", strerror(errno));
	abi = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	sb->landlock_abi = abi > 0 ? (int)abi : 0;
	if (sb->landlock_abi == 0) {
		privd_log(PRIVD_LOG_WARN, "sandbox.landlock", "\"available\":false,\"reason\":\"%s\"", strerror(errno));
		return PRIVD_OK;
	}
	return landlock(c, sb->landlock_abi, err);
}

/* The system calls a serving privd makes. Anything else, exec, ptrace, mount, module loading, setuid and the
 * like among them, gets EPERM. */
static const char *const allowed_calls[] = {
    /* memory, threads, time, signals */
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "munlock", "mincore", "membarrier", "futex",
    "futex_waitv", "set_robust_list", "get_robust_list", "rseq", "clone", "clone3", "exit", "exit_group",
    "set_tid_address", "sched_yield", "sched_getaffinity", "sched_setaffinity", "getpid", "gettid", "getppid", "getuid",
    "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "tgkill", "tkill", "kill", "rt_sigaction",
    "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "rt_sigsuspend", "rt_sigpending", "sigaltstack",
    "restart_syscall", "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
    "timerfd_create", "timerfd_settime", "timerfd_gettime", "getrandom", "prctl", "prlimit64", "getrlimit", "setrlimit",
    "getrusage", "times", "sysinfo", "uname", "arch_prctl", "umask",
    /* files, within what Landlock leaves */
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "open",
    "openat", "openat2", "close", "close_range", "creat", "lseek", "fstat", "stat", "lstat", "newfstatat", "statx",
    "fstatfs", "statfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "getdents64", "fcntl",
    "flock", "fsync", "fdatasync", "ftruncate", "fallocate", "unlink", "unlinkat", "rename", "renameat", "renameat2",
    "mkdir", "mkdirat", "rmdir", "fchmod", "fchmodat", "fchown", "utimensat", "dup", "dup2", "dup3", "pipe", "pipe2",
    "ioctl", "sendfile", "splice", "copy_file_range", "fadvise64", "memfd_create",
    /* sockets and waiting on them */
    "socket", "socketpair", "connect", "accept", "accept4", "bind", "listen", "shutdown", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "poll", "ppoll",
    "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2", NULL};

static enum privd_rc drop_root(const struct privd_sandbox *sb, struct privd_err *err)
{
	if (!sb->drop)
		return PRIVD_OK;
	if (setgroups(1, &sb->gid) != 0 || setgid(sb->gid) != 0 || setuid(sb->uid) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot drop root to uid %u: %s", (unsigned)sb->uid,
		                     strerror(errno));
	if (setuid(0) == 0) /* it must not come back */
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "root came back after dropping it");
	return PRIVD_OK;
}

enum privd_rc privd_sandbox_calls(const struct privd_sandbox *sb, struct privd_err *err)
{
	scmp_filter_ctx ctx = NULL;
	enum privd_rc rc = PRIVD_OK;
	int e = 0;

	if (!sb->on)
		return PRIVD_OK;
	rc = drop_root(sb, err);
	if (rc != PRIVD_OK)
		return rc;
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot make a seccomp filter");
	e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (e == 0) /* a binary tree of the calls rather than a list: the check costs a few comparisons */
		e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; e == 0 && allowed_calls[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(allowed_calls[i]);

		if (nr != __NR_SCMP_ERROR) /* a call this architecture does not have */
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	if (e == 0)
		e = seccomp_load(ctx);
	if (e == -EPERM || e == -EACCES) { /* an outer filter (a service manager's) forbids filters of its own */
		privd_log(PRIVD_LOG_WARN, "sandbox.seccomp", "\"available\":false,\"reason\":\"%s\"", strerror(-e));
		seccomp_release(ctx);
		return PRIVD_OK;
	}
	if (e != 0)
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot install the seccomp filter: %s", strerror(-e));
	seccomp_release(ctx);
	if (rc == PRIVD_OK)
		privd_log(PRIVD_LOG_INFO, "sandbox", "\"landlock_abi\":%d,\"seccomp\":true,\"uid\":%u",
		          sb->landlock_abi, (unsigned)geteuid());
	return rc;
}
