from django.urls import path

from bench.floor import views

urlpatterns = [path("floor/", views.floor)]
