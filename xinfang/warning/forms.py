"""预警中心的表单（排版用全站的 core/_form.html）。处置情况的规则在 services.close_warning。"""

from django import forms


class CloseForm(forms.Form):
    outcome = forms.CharField(label="处置情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="做了什么，如联合答复、公开说明、召开听证、经核实为误报",
                              error_messages={"required": "请写明做了什么"})
