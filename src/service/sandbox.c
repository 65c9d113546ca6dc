/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sandbox.c - Landlock, the drop from root and the seccomp allowlist of a serving privd (sandbox.h says why).
 *
 * Landlock restricts the thread that enters it and the threads it makes afterwards, so it is entered before the
 * service makes any; the allowlist is installed last, on every thread at once (TSYNC), once nothing needs more.
 * Only system calls the libraries privd serves with make are allowed (libc, libmicrohttpd and GnuTLS, SQLite,
 * libpq, libcurl, libsodium); any other gets EPERM rather than a kill, so that a call a library makes on a path
 * the tests never reach fails as an error the caller handles, and the server stays up; and ENOSYS where a C
 * library falls back (clone3, and calls newer than libseccomp). Mode log installs the same list with the kernel's
 * log action instead of the refusals, and no Landlock.
 */
#include "service/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
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
 * resolver's files, the user database (libpq names the database user from it when the URL does not), the CPU
 * count. Read only; none is written. */
static const char *const system_ro[] = {"/usr/lib",
                                        "/usr/lib64",
                                        "/lib",
                                        "/lib64",
                                        "/usr/share/zoneinfo",
                                        "/usr/share/ca-certificates",
                                        "/etc/ssl",
                                        "/etc/ca-certificates",
                                        "/etc/resolv.conf",
                                        "/etc/passwd",
                                        "/etc/group",
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

/* /etc/resolv.conf is often a link to a file that is replaced as the network changes (systemd-resolved,
 * resolvconf): a rule on the file would not hold for its successor, so its directory is readable too. */
static int allow_resolver_dir(int ruleset, __u64 handled)
{
	char real[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	if (lstat("/etc/resolv.conf", &st) != 0 || !S_ISLNK(st.st_mode) || realpath("/etc/resolv.conf", real) == NULL)
		return 0;
	return ll_allow(ruleset, dir_of(real, dir, sizeof(dir)), RO, handled);
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
	bad |= allow_resolver_dir(rs, attr.handled_access_fs);
	if (bad)
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot add a Landlock rule: %s", strerror(errno));
	else if (syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot enter the Landlock ruleset: %s", strerror(errno));
	close(rs);
	return rc;
}

enum privd_sandbox_mode privd_sandbox_mode_of(const char *name)
{
	if (strcmp(name, "on") == 0)
		return PRIVD_SANDBOX_ON;
	return strcmp(name, "log") == 0 ? PRIVD_SANDBOX_LOG : PRIVD_SANDBOX_OFF;
}

/* [server] user looked up when started as root: sb->drop and its ids, or a warning that privd stays root. */
static void find_user(const struct privd_config *c, struct privd_sandbox *sb)
{
	const struct passwd *pw;

	if (geteuid() != 0 || c->user[0] == '\0')
		return;
	pw = getpwnam(c->user);
	if (pw == NULL) {
		privd_log(PRIVD_LOG_WARN, "sandbox.user_missing", "\"user\":\"%s\",\"reason\":\"staying root\"",
		          c->user);
		return;
	}
	sb->drop = true;
	sb->uid = pw->pw_uid;
	sb->gid = pw->pw_gid;
}

enum privd_rc privd_sandbox_files(const struct privd_config *c, struct privd_sandbox *sb, struct privd_err *err)
{
	long abi;

	memset(sb, 0, sizeof(*sb));
	sb->mode = privd_sandbox_mode_of(c->sandbox);
	if (sb->mode == PRIVD_SANDBOX_OFF) {
		privd_log(PRIVD_LOG_WARN, "sandbox.off", "\"reason\":\"[server] sandbox = off\"");
		return PRIVD_OK;
	}
	find_user(c, sb);
	/* SQLite's temporary files (large sorts) in the data directory, the one place it may write */
	setenv("SQLITE_TMPDIR", c->data_dir, 1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot set no_new_privs: %s", strerror(errno));
	if (sb->mode == PRIVD_SANDBOX_LOG) { /* Landlock has no mode that reports without refusing */
		privd_log(PRIVD_LOG_WARN, "sandbox.landlock",
		          "\"available\":false,\"reason\":\"[server] sandbox = log\"");
		return PRIVD_OK;
	}
	abi = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	sb->landlock_abi = abi > 0 ? (int)abi : 0;
	if (sb->landlock_abi == 0) {
		privd_log(PRIVD_LOG_WARN, "sandbox.landlock", "\"available\":false,\"reason\":\"%s\"", strerror(errno));
		return PRIVD_OK;
	}
	return landlock(c, sb->landlock_abi, err);
}

/* The system calls a serving privd makes (libc, libmicrohttpd and GnuTLS, SQLite, libpq, libcurl with OpenSSL and
 * its threaded resolver, libsodium), reviewed against glibc 2.36 to 2.41 (docs/security.md): what a newer glibc
 * tries first (faccessat2, close_range, rseq, openat2, epoll_pwait2, statx, fchmodat2) is allowed, being no more than
 * what it replaces; names a given architecture lacks (the 32-bit ones, the *_time64 calls) are skipped. clone is
 * allowed without namespace flags only (clone_checked below). Anything else, exec, ptrace, mount, module loading,
 * setuid, unshare, pidfd_getfd, io_uring among them, is refused with EPERM. */
static const char *const allowed_calls[] = {
    /* memory, threads, time, signals */
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mlock", "mlock2", "munlock", "mincore",
    "membarrier", "mseal", "futex", "futex_time64", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue",
    "set_robust_list", "get_robust_list", "rseq", "exit", "exit_group", "set_tid_address", "sched_yield",
    "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_getscheduler", "sched_get_priority_max",
    "sched_get_priority_min", "getcpu", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
    "getgroups", "getresuid", "getresgid", "getuid32", "geteuid32", "getgid32", "getegid32", "getgroups32",
    "getresuid32", "getresgid32", "tgkill", "tkill", "kill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
    "sigreturn", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigsuspend", "rt_sigpending", "sigaltstack",
    "restart_syscall", "nanosleep", "clock_nanosleep", "clock_nanosleep_time64", "clock_gettime", "clock_gettime64",
    "clock_getres", "clock_getres_time64", "gettimeofday", "time", "timerfd_create", "timerfd_settime",
    "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "getrandom", "prctl", "prlimit64", "getrlimit",
    "ugetrlimit", "setrlimit", "getrusage", "times", "sysinfo", "uname", "arch_prctl", "umask",
    /* files, within what Landlock leaves */
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "open",
    "openat", "openat2", "close", "close_range", "creat", "lseek", "_llseek", "fstat", "fstat64", "stat", "stat64",
    "lstat", "lstat64", "newfstatat", "fstatat64", "statx", "fstatfs", "fstatfs64", "statfs", "statfs64", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "getdents64", "fcntl", "fcntl64", "flock", "fsync",
    "fdatasync", "msync", "ftruncate", "ftruncate64", "fallocate", "unlink", "unlinkat", "rename", "renameat",
    "renameat2", "mkdir", "mkdirat", "rmdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "utimensat",
    "utimensat_time64", "dup", "dup2", "dup3", "pipe", "pipe2", "ioctl", "sendfile", "sendfile64", "splice",
    "copy_file_range", "fadvise64", "fadvise64_64", "memfd_create",
    /* sockets and waiting on them */
    "socket", "socketpair", "connect", "accept", "accept4", "bind", "listen", "shutdown", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "recvmmsg_time64",
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", NULL};

/* Calls answered ENOSYS, never EPERM, so that glibc takes its older way as on a kernel without them (glibc passes
 * EPERM on as a failure: pthread_create would fail). clone3: its flags are in memory, where seccomp cannot read
 * them, so glibc (2.34 and later) is sent to clone, whose flags are checked. */
static const char *const fallback_calls[] = {"clone3", NULL};

/* The namespace flags of clone: a thread or a child of privd makes no namespace (unshare and setns are refused). */
#define CLONE_NAMESPACES                                                                                               \
	(0x00020000ULL | 0x02000000ULL | 0x04000000ULL | 0x08000000ULL | 0x10000000ULL | 0x20000000ULL | 0x40000000ULL)

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

static bool listed(const char *const *names, const char *name)
{
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* A rule with action for each of names this architecture has; 0 or a negative errno. */
static int add_calls(scmp_filter_ctx ctx, const char *const *names, uint32_t action)
{
	int e = 0;

	for (size_t i = 0; e == 0 && names[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);

		if (nr != __NR_SCMP_ERROR)
			e = seccomp_rule_add(ctx, action, nr, 0);
	}
	return e;
}

/* clone allowed without a namespace flag; with one, refused with EPERM in mode on (in log mode the default, which
 * logs it, applies). s390 has the flags in the second argument. */
static int clone_checked(scmp_filter_ctx ctx, bool log)
{
	uint32_t arch = seccomp_arch_native();
	unsigned arg = arch == SCMP_ARCH_S390X || arch == SCMP_ARCH_S390 ? 1 : 0;
	int e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	                         SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, CLONE_NAMESPACES, 0));

	for (unsigned bit = 0; e == 0 && !log && bit < 64; bit++) {
		scmp_datum_t flag = 1ULL << bit;

		if (flag & CLONE_NAMESPACES)
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			                     SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, flag, flag));
	}
	return e;
}

/* Every call libseccomp knows on this architecture that is neither allowed nor a fallback: refused with EPERM. A
 * call it does not know (newer than it) meets the filter's default, ENOSYS, so that a newer glibc falls back. */
static int refuse_known(scmp_filter_ctx ctx)
{
	int e = 0;

	for (int nr = 0; e == 0 && nr < 8192; nr++) { /* MIPS numbers its calls from 4000, 5000 and 6000 */
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name != NULL && strcmp(name, "clone") != 0 && !listed(allowed_calls, name) &&
		    !listed(fallback_calls, name))
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		free(name);
	}
	return e;
}

/* The filter of mode on (refusing) or log (logging what it would refuse, through the kernel's audit). libseccomp
 * takes no rule whose action is the default: in mode on the fallbacks are the default (ENOSYS). */
static int make_filter(scmp_filter_ctx *out, bool log)
{
	scmp_filter_ctx ctx = seccomp_init(log ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(ENOSYS));
	int e;

	*out = ctx;
	if (ctx == NULL)
		return -EINVAL;
	e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (e == 0) /* a binary tree of the calls rather than a list: the check costs a few comparisons */
		e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (e == 0)
		e = add_calls(ctx, allowed_calls, SCMP_ACT_ALLOW);
	if (e == 0 && log)
		e = add_calls(ctx, fallback_calls, SCMP_ACT_ERRNO(ENOSYS));
	if (e == 0)
		e = clone_checked(ctx, log);
	if (e == 0 && !log)
		e = refuse_known(ctx);
	return e;
}

enum privd_rc privd_sandbox_calls(const struct privd_sandbox *sb, struct privd_err *err)
{
	scmp_filter_ctx ctx = NULL;
	enum privd_rc rc = PRIVD_OK;
	int e;

	if (sb->mode == PRIVD_SANDBOX_OFF)
		return PRIVD_OK;
	rc = drop_root(sb, err);
	if (rc != PRIVD_OK)
		return rc;
	e = make_filter(&ctx, sb->mode == PRIVD_SANDBOX_LOG);
	if (e != 0) {
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot make the seccomp filter: %s", strerror(-e));
		goto out;
	}
	e = seccomp_load(ctx);
	if (e == -EPERM || e == -EACCES) { /* an outer filter (a service manager's) forbids filters of its own */
		privd_log(PRIVD_LOG_WARN, "sandbox.seccomp", "\"available\":false,\"reason\":\"%s\"", strerror(-e));
		goto out;
	}
	if (e != 0) {
		rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot install the seccomp filter: %s", strerror(-e));
		goto out;
	}
	privd_log(PRIVD_LOG_INFO, "sandbox", "\"mode\":\"%s\",\"landlock_abi\":%d,\"seccomp\":true,\"uid\":%u",
	          sb->mode == PRIVD_SANDBOX_LOG ? "log" : "on", sb->landlock_abi, (unsigned)geteuid());
out:
	seccomp_release(ctx);
	return rc;
}

bool privd_sandbox_user_missing(const struct privd_config *c)
{
	return privd_sandbox_mode_of(c->sandbox) != PRIVD_SANDBOX_OFF && c->user[0] != '\0' &&
	       getpwnam(c->user) == NULL;
}
