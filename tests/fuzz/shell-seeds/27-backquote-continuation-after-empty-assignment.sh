echo `p=\
  p=q x`
