from django.urls import path, re_path

from . import open311, pages

app_name = "open311"

urlpatterns = [
    path("discovery.json", open311.discovery, name="discovery"),
    re_path(r"^v2/services\.(?P<fmt>json|xml)$", open311.services, name="services"),
    re_path(r"^v2/services/(?P<code>[\w-]{1,40})\.(?P<fmt>json|xml)$", open311.service, name="service"),
    re_path(r"^v2/requests\.(?P<fmt>json|xml)$", open311.requests, name="requests"),
    re_path(r"^v2/requests/(?P<number>[\w-]{1,40})\.(?P<fmt>json|xml)$", open311.one_request, name="request"),
]

token_urlpatterns = ([
    path("", pages.token_list, name="list"),
    path("<int:pk>/rotate/", pages.token_rotate, name="rotate"),
    path("<int:pk>/revoke/", pages.token_revoke, name="revoke"),
], "api_tokens")
