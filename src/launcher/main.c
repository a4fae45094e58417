/* tryagain: parse, then print help or version, diagnose a program, or become the command. */
#include <stdio.h>

#include "doctor.h"
#include "flags.h"
#include "launch.h"
#include "status.h"
#include "usage.h"

static int report_error(const struct launch_plan *plan)
{
    fprintf(stderr, "%s\n", plan->error);
    if(plan->show_usage)
        fputs(USAGE_LINE, stderr);
    return EXIT_USAGE;
}

int main(int argc, char *argv[])
{
    struct launch_plan plan;
    flags_parse(argc, argv, &plan);
    switch(plan.mode) {
    case MODE_HELP:
        usage_print(stdout);
        return 0;
    case MODE_VERSION:
        printf("tryagain %s\n", TRYAGAIN_VERSION);
        return 0;
    case MODE_DOCTOR:
        return doctor_run(argv[plan.command_index], stdout);
    case MODE_STATUS:
        return status_run(stdout);
    case MODE_RUN:
        return launch_command(&plan, argv);
    case MODE_ERROR:
        break;
    }
    return report_error(&plan);
}
