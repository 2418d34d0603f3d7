/*
 * runstat.c - runs a command and reports its wall time, CPU time and peak
 * resident set size, for the benchmark (bench/run.sh). A stand-in for
 * `/usr/bin/time -v` with a monotonic clock to the microsecond.
 *
 *   runstat REPORT_FILE COMMAND [ARG...]
 *
 * Appends one line to REPORT_FILE:
 *   wall_s W user_s U sys_s S maxrss_kb R exit E
 * where E is the command's exit code, or 128+N when signal N ended it.
 * Exits with the command's exit code (or 128+N).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: runstat REPORT_FILE COMMAND [ARG...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("runstat: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("runstat: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("runstat: wait4");
        return 127;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    FILE *f = fopen(argv[1], "a");
    if (!f) {
        perror("runstat: report file");
        return 127;
    }
    fprintf(f, "wall_s %.6f user_s %.6f sys_s %.6f maxrss_kb %ld exit %d\n", wall,
            seconds(&ru.ru_utime), seconds(&ru.ru_stime), ru.ru_maxrss, code);
    fclose(f);
    return code;
}
