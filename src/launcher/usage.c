#include "usage.h"

static const char help_text[] =
    USAGE_LINE
    "\n"
    "Runs command with libtryagain preloaded, so its failed libcurl transfers and connect()\n"
    "calls are retried. Every option sets one TRYAGAIN_* variable (see tryagain(1)).\n"
    "\n"
    "Retry policy:\n"
    "  --attempts N            attempts in all, 1 to 100 (TRYAGAIN_MAX_ATTEMPTS, 5)\n"
    "  --base-delay D          first backoff wait (TRYAGAIN_BASE_DELAY_MS, 1s)\n"
    "  --max-delay D           cap on one backoff wait (TRYAGAIN_MAX_DELAY_MS, 30s)\n"
    "  --jitter WORD           full, equal, decorrelated or none (TRYAGAIN_JITTER, full)\n"
    "  --max-retry-after D     longest Retry-After honoured (TRYAGAIN_MAX_RETRY_AFTER_MS, 60s)\n"
    "  --deadline D            give up once this much time has passed, 0 for none\n"
    "                          (TRYAGAIN_DEADLINE_MS, 0)\n"
    "  --status LIST           HTTP statuses to retry, e.g. 429,5xx\n"
    "                          (TRYAGAIN_RETRY_STATUS, 408,429,500,502,503,504)\n"
    "  --unsafe                also retry POST, PATCH and other non-idempotent requests\n"
    "                          (TRYAGAIN_RETRY_UNSAFE=1)\n"
    "  --hosts LIST            only these hosts, e.g. api.example.com,*.example.org\n"
    "                          (TRYAGAIN_HOSTS, every host)\n"
    "  --connect WORD          connect() retries: tcp, unix, tcp,unix or off\n"
    "                          (TRYAGAIN_CONNECT, tcp)\n"
    "  --connect-to LIST       only these destinations, e.g. 127.0.0.1:5432,:6379,/run/app.sock\n"
    "                          (TRYAGAIN_CONNECT_TO, every destination)\n"
    "\n"
    "What you see:\n"
    "  -v, --verbose           log retries and give-ups; -vv logs every attempt (TRYAGAIN_LOG)\n"
    "      --log-file PATH     log there instead of stderr (TRYAGAIN_LOG_FILE)\n"
    "      --json              log JSON lines (TRYAGAIN_LOG_FORMAT=json)\n"
    "      --stats             one summary line when the program exits (TRYAGAIN_STATS=1)\n"
    "  -h, --help              this text\n"
    "      --version           tryagain's version\n"
    "\n"
    "D is a duration: 250ms, 2s, 1.5s, 1m, 1h; a bare number is seconds, as in curl's\n"
    "--retry-delay. Options also take the form --option=value.\n"
    "\n"
    "Exit status: the command's own; 2 for a usage error (the command is not run); 125 when\n"
    "tryagain cannot set up; 126 and 127 when the command cannot be run or is not found.\n"
    "\"tryagain doctor PROGRAM\" tells whether tryagain can help PROGRAM (0 yes, 1 no).\n";

void usage_print(FILE *out)
{
    fputs(help_text, out);
}
