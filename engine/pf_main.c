#include <stdio.h>
int main(void)
{
    puts("partnerfit: under construction");
    return 3;
}
