/* The target of origin_caller.c's loads; TARGET_NAME says which copy answered. */
const char *reach_target_name(void)
{
    return TARGET_NAME;
}
