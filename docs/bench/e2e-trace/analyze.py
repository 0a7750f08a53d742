import sys, statistics as st
# Trace analysis: python3 analyze.py <all.txt>, where all.txt is every node's trace file merged and sorted (sort -n).
lines=[l.rstrip('\n').split(' ',4) for l in open(sys.argv[1])]
ev=[(int(l[0]),l[1],l[2],l[3],l[4] if len(l)>4 else '') for l in lines]
segs={}
def add(k,v): segs.setdefault(k,[]).append(v/1000)
n=0
for i,(t,pid,th,e,rest) in enumerate(ev):
    if e!='rx' or not rest.startswith('PRODUCE producer-1'): continue
    corr=rest.split()[2]
    # find hs, app, hd, hw, wr on same pid
    app=hw=wr=hd=hs=None; tp=None; leo=None; fapps=[]; cons=None; frecv={}
    for j in range(i+1,min(len(ev),i+3000)):
        t2,p2,th2,e2,r2=ev[j]
        if t2-t>200e6: break
        if p2==pid and e2=='hs' and r2.startswith('PRODUCE producer-1 '+corr+' ') and hs is None: hs=t2
        if p2==pid and e2=='app' and app is None and hs is not None: app=t2; tp,leo=r2.split()[0],r2.split()[1]
        if p2==pid and e2=='hd' and r2.startswith('PRODUCE producer-1 '+corr+' ') and hd is None: hd=t2
        if tp and e2=='fapp' and p2!=pid and r2.split()[0]==tp and r2.split()[1]==leo: fapps.append(t2)
        if tp and e2=='hw' and p2==pid and r2.split()[0]==tp and int(r2.split()[1])>=int(leo) and hw is None: hw=t2
        if p2==pid and e2=='wr' and r2.startswith('PRODUCE producer-1 '+corr+' ') and wr is None: wr=t2
        if wr and p2==pid and e2=='wr' and r2.startswith('FETCH consumer') and int(r2.split()[-1])>100 and cons is None: cons=t2; break
    if None in (hs,app,hd,hw,wr,cons) or len(fapps)<2: continue
    n+=1
    add('1 rx->hs (handler queue)',hs-t); add('2 hs->app (append)',app-hs); add('3 app->hd (awaitAcks park)',hd-app)
    add('4 app->2nd follower fapp',fapps[1]-app); add('5 2nd fapp->hw',hw-fapps[1]) ; add('6 hw->produce wr',wr-hw)
    add('7 produce wr->consumer data wr',cons-wr); add('T rx->consumer data wr',cons-t); add('P rx->produce wr',wr-t)
print('records',n)
for k in sorted(segs):
    v=sorted(segs[k]); print('%-34s p50 %8.0f  avg %8.0f  p90 %8.0f us'%(k,v[len(v)//2],st.mean(v),v[int(len(v)*.9)]))
