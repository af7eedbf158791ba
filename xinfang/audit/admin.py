"""审计日志不在配置后台：只有审计员与局领导在“审计日志”页查看（见 org/permissions.py 的 audit.log）。"""
