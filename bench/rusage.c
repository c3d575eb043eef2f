/*
 * rusage.c: run a command and report its wall time, CPU time and peak RSS,
 * for bench/explain.
 *
 * usage: rusage OUTFILE COMMAND [ARG]...
 *
 * Writes "WALL_SECONDS CPU_SECONDS MAXRSS_KIB EXIT_STATUS" to OUTFILE and
 * exits with the command's status. The command's standard streams are
 * left alone.
 *
 * Why not measure from Python with os.wait4: ru_maxrss keeps the largest
 * resident set the process ever had, including the forked copy of its
 * parent before exec. A child forked from the Python benchmark starts at
 * Python's own RSS (10-30 MB), which would hide the RSS of a small command.
 * Forked from this program, a child starts at about 1 MB.
 *
 * Build: cc -O2 -o rusage rusage.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
seconds(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int status, code;

	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG]...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1) {
		perror("rusage: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rusage: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) == -1)
		if (errno != EINTR) {
			perror("rusage: wait4");
			return 2;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "%.6f %.6f %ld %d\n",
	    (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	    seconds(&ru.ru_utime) + seconds(&ru.ru_stime), ru.ru_maxrss, code);
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 2;
	}
	return code;
}
