"""The admin app, with the site whose login is limited as the API's is (users.admin_site)."""

from django.contrib.admin.apps import AdminConfig


class ThrottledAdminConfig(AdminConfig):
    default_site = "users.admin_site.ThrottledAdminSite"
