#include "pf_import.h"
#include "pf_exit.h"
int pf_cmd_import(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    (void)o;
    (void)out;
    (void)log;
    return PF_EXIT_CONFIG;
}
