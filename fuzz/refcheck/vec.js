// Prints vectors.json (path in argv[2]) as check.c cases, classified by their api field.
const encs=['utf8','utf16le','latin1','ascii','hex','base64','base64url'];
const alias={'utf-8':'utf8','ucs2':'utf16le','ucs-2':'utf16le','utf-16le':'utf16le','binary':'latin1'};
const v=require(require('path').resolve(process.argv[2])); const out=[]; let skip=0; const apis={};
for(const x of v){ apis[x.api]=(apis[x.api]||0)+1; let e=encs.indexOf(alias[x.encoding.toLowerCase()]||x.encoding.toLowerCase()); if(e<0){skip++;continue;}
 if(/toString/.test(x.api) && x.input_hex!==undefined){ const exp = x.output_hex!==undefined? Buffer.from(x.output_hex,'hex') : Buffer.from(x.output_str,'utf8'); out.push(`enc ${e} ${x.input_hex} ${exp.toString('hex')}`);}
 else if(/Buffer.from\(input_js/.test(x.api) && x.input_js!==undefined && x.output_hex!==undefined){ if(/[\ud800-\udfff]/.test(x.input_js.replace(/[\ud800-\udbff][\udc00-\udfff]/g,''))){skip++;continue;} out.push(`dec ${e} ${Buffer.from(x.input_js,'utf8').toString('hex')} ${x.output_hex}`);}
 else skip++; }
console.error(JSON.stringify(apis), 'skipped', skip);
console.log(out.join('\n'));
