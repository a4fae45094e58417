/* From here on the process becomes the command: nothing is printed on success and no file
   descriptor is touched, so stdin, stdout, stderr, the exit status and signals are its own. */
#include "launch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

/* The library opens the log file in the program's working directory, which the program may
   change: pass an absolute path, and check the directory now rather than warn in every
   process later. */
static bool absolute_log_path(const char *path, char *out, size_t size)
{
    char cwd[PATH_MAX];
    if(path[0] == '/') {
        snprintf(out, size, "%s", path);
    }
    else if(!getcwd(cwd, sizeof(cwd)) || (size_t)snprintf(out, size, "%s/%s", cwd, path) >= size) {
        return false;
    }
    return true;
}

static int check_log_file(const char *path, char *absolute, size_t size)
{
    if(!absolute_log_path(path, absolute, size) || strlen(absolute) >= 1024) {
        fprintf(stderr, "tryagain: --log-file: \"%.200s\" is too long a path\n", path);
        return EXIT_USAGE;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", absolute);
    char *slash = strrchr(dir, '/');
    if(slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    bool writable =
        access(absolute, W_OK) == 0 || (errno == ENOENT && access(dir, W_OK | X_OK) == 0);
    if(!writable) {
        fprintf(stderr, "tryagain: --log-file: cannot write \"%.200s\": %s\n", path,
                strerror(errno));
        return EXIT_USAGE;
    }
    return 0;
}

static int export_settings(const struct launch_plan *plan)
{
    static char log_path[PATH_MAX];
    for(int i = 0; i < plan->setting_count; i++) {
        const struct env_setting *setting = &plan->setting[i];
        const char *value = env_setting_value(setting);
        if(!strcmp(setting->name, "TRYAGAIN_LOG_FILE")) {
            int status = check_log_file(value, log_path, sizeof(log_path));
            if(status)
                return status;
            value = log_path;
        }
        if(setenv(setting->name, value, 1) != 0) {
            fprintf(stderr, "tryagain: cannot set %s: %s\n", setting->name, strerror(errno));
            return EXIT_LAUNCHER_FAILED;
        }
    }
    return 0;
}

static int export_preload(void)
{
    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if(length <= 0) {
        fprintf(stderr, "tryagain: cannot find its own location (/proc/self/exe): %s\n",
                strerror(errno));
        return EXIT_LAUNCHER_FAILED;
    }
    exe[length] = '\0';
    char library[PATH_MAX];
    if(!library_locate(exe, library, sizeof(library))) {
        fprintf(stderr,
                "tryagain: libtryagain.so is neither next to %s nor in "
                "../lib/tryagain/ from it\n",
                exe);
        return EXIT_LAUNCHER_FAILED;
    }
    static char value[65536];
    if(!preload_compose(library, getenv("LD_PRELOAD"), value, sizeof(value))) {
        fprintf(stderr,
                "tryagain: cannot put %s in LD_PRELOAD (a space or colon in the path, "
                "or LD_PRELOAD too long)\n",
                library);
        return EXIT_LAUNCHER_FAILED;
    }
    if(setenv("LD_PRELOAD", value, 1) != 0) {
        fprintf(stderr, "tryagain: cannot set LD_PRELOAD: %s\n", strerror(errno));
        return EXIT_LAUNCHER_FAILED;
    }
    return 0;
}

/* The shell's words and statuses, so tryagain in a script fails the way the command would. */
static int report_exec_failure(const char *command, int error)
{
    if(error == ENOENT && !strchr(command, '/')) {
        fprintf(stderr, "tryagain: %s: command not found\n", command);
        return EXIT_NOT_FOUND;
    }
    fprintf(stderr, "tryagain: %s: %s\n", command, strerror(error));
    return error == ENOENT || error == ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
}

int launch_command(const struct launch_plan *plan, char *const argv[])
{
    int status = export_settings(plan);
    if(!status)
        status = export_preload();
    if(status)
        return status;
    char *const *command = argv + plan->command_index;
    execvp(command[0], command);
    return report_exec_failure(command[0], errno);
}
