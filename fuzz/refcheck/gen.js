// Random and adversarial cases answered by Node: gen.js SEED ROUNDS > cases.txt
const encs=['utf8','utf16le','latin1','ascii','hex','base64','base64url'];
let seed=Number(process.argv[2]||1); const N=Number(process.argv[3]||2000);
function rnd(){seed=(seed*1103515245+12345)%2147483648;return seed/2147483648;}
const pieces=['A','z','0','9','=','==','+','/','-','_',' ','\n','é','Ł','Ľ','İ','ı','€','😀','\ufffd','\ufeff','ĽĽ','%','ab','AB','g'];
function randBytes(){const n=Math.floor(rnd()*24);const b=Buffer.alloc(n);for(let i=0;i<n;i++){const r=rnd(); b[i]= r<0.3? Math.floor(rnd()*128): r<0.5? 0x80+Math.floor(rnd()*64) : r<0.6? [0xc0,0xc2,0xdf,0xe0,0xed,0xef,0xf0,0xf4,0xf5,0xff][Math.floor(rnd()*10)]: Math.floor(rnd()*256);}return b;}
function randText(){ if(rnd()<0.4) return randBytes(); let s=''; const n=Math.floor(rnd()*12); for(let i=0;i<n;i++){ s+= rnd()<0.5? pieces[Math.floor(rnd()*pieces.length)] : String.fromCharCode(32+Math.floor(rnd()*95)); } if(rnd()<0.3){ const b=Buffer.from(s); return Buffer.from(Buffer.from(b.toString('hex').slice(0,4)+ 'ff' ,'hex').toString('hex')+b.toString('hex'),'hex'); } return Buffer.from(s);}
const out=[];
for(let i=0;i<N;i++){ for(let e=0;e<7;e++){ const b=randBytes(); out.push(`enc ${e} ${b.toString('hex')} ${Buffer.from(b.toString(encs[e]),'utf8').toString('hex')}`);
  const t=randText(); const s=Buffer.from(t).toString('utf8'); out.push(`dec ${e} ${t.toString('hex')} ${Buffer.from(s,encs[e]).toString('hex')}`);
  out.push(`len ${e} ${t.toString('hex')} ${Buffer.byteLength(s,encs[e])}`);}}
console.log(out.join('\n'));
