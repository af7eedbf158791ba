"""交换接口的错误：带字段名与中文说明，接口层（api）据此答 400 / 409 的 JSON。"""

from __future__ import annotations


class OrderError(ValueError):
    """12345 工单不能接收。``errors`` 为 {字段: [中文说明]}，``field`` / ``message`` 是第一条。"""

    code = "invalid_order"
    status = 400

    def __init__(self, field: str | dict[str, list[str]], message: str = ""):
        errors = field if isinstance(field, dict) else {field: [message]}
        self.errors = {name: list(messages) for name, messages in errors.items() if messages}
        self.field, messages = next(iter(self.errors.items()))
        self.message = messages[0]
        super().__init__("；".join(f"{name}：{m}" for name, ms in self.errors.items() for m in ms))

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message, "errors": self.errors}


class OrderConflict(OrderError):
    """同一工单号再次推送，内容却与已接收的不同：不合并，报告出来（由人决定是否更正）。"""

    code = "duplicate_order_changed"
    status = 409
