/* Reads "op encoding input_hex expected" lines (from gen.js / vec.js) and checks the
 * reference codec against the answers Node gave; prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reference_codec.h"
static size_t unhex(const char *s, unsigned char *out){size_t n=strlen(s)/2;for(size_t i=0;i<n;i++){unsigned v;sscanf(s+2*i,"%2x",&v);out[i]=v;}return n;}
int main(void){
  static char line[1<<20]; static unsigned char in[1<<19], ex[1<<19];
  long pass=0, fail=0;
  while(fgets(line,sizeof line,stdin)){
    char op[16]; int enc; char *a, *b;
    line[strcspn(line,"\n")]=0;
    if(sscanf(line,"%15s %d",op,&enc)!=2) continue;
    a=strchr(line,' ')+1; a=strchr(a,' ')+1; b=strchr(a,' ');
    *b++=0;
    size_t n=unhex(a,in);
    ref_output_t o; int ok;
    if(!strcmp(op,"len")){ size_t e=strtoul(b,0,10); size_t g=ref_byte_length(enc,in,n); ok = e==g; if(!ok) printf("FAIL len %s %s exp %zu got %zu\n",ref_encoding_name(enc),a,e,g);} else {
    size_t m=unhex(b,ex);
    if(!strcmp(op,"enc")) ref_encode(enc,in,n,&o); else ref_decode(enc,in,n,&o);
    ok = o.length==m && !memcmp(o.data,ex,m);
    if(!ok){ printf("FAIL %s %s in=%s exp=%s got=",op,ref_encoding_name(enc),a,b); for(size_t i=0;i<o.length;i++)printf("%02x",o.data[i]); printf("\n");}
    ref_output_release(&o);}
    if(ok)pass++;else fail++;
  }
  printf("%ld passed, %ld failed\n",pass,fail); return fail!=0;
}
