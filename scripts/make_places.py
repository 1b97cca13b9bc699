#!/usr/bin/env python3
"""Regenerate gazetteer/places.jsonl, the place data that complements pycountry.

pycountry gives names and codes for every ISO 3166 country and subdivision at run time. This file adds what it
lacks, keyed by ISO code: Wikidata ids, English aliases/exonyms, and the donor facts (IATI organisation id of a
donor government's main agency). Sources:

* gazetteer/sources/country-wikidata.tsv: ISO 3166-1 alpha-2 -> Wikidata, trimmed from public datasets (the file's
  header names them); column `wikidata` is used.
* the project's reference table (default /work/shared/reference/identifiers.tsv): Wikidata ids and aliases of
  Mali's admin-1 units and of the countries it lists, and the donor_country rows (iati_org_id, donor: true).
* the hand-curated alias lists below (COUNTRY_ALIASES, SUBDIVISION_ALIASES).
* names generated for every admin-1 unit (see `generated_names`): the English and other Latin-script names of
  `iso3166-2` 1.8.4's iso3166-2.json (--iso3166-2 FILE; MIT), the GeoNames admin-1 name
  (gazetteer/sources/geonames-admin1.tsv, written by scripts/make_towns.py), the GeoNames spellings of a town
  of the unit that bears its name (gazetteer/towns/), and rules: French/Spanish/Portuguese compass and position
  words in English ("Nord-Ouest" -> "North-West", "Extrême-Nord" -> "Far North", "Haut-Katanga" -> "Upper
  Katanga"), "North-West"/"North West"/"Northwest", Arabic articles dropped or assimilated ("Al Jazirah" ->
  "Dali", "Ad Dali"; only in countries whose unit names use them), final -ah/-a, apostrophes, hyphens.
  A generated name that another unit of the same country also gets, or that names a country, is dropped; one
  that is an English word ("South", "Centre") goes to `exclude`: matched only with a type word ("South
  Department"), never alone. Without --iso3166-2 the generated names are left out.

Every code is validated against pycountry (subdivisions must be first-level: the pipeline loads only those).
Aliases that merely repeat the entry's pycountry name (ignoring case and accents) are dropped; aliases that name
another country or another pycountry subdivision, are given to two codes, or are common English words make the
script fail.

Usage:  python scripts/make_places.py [--reference PATH] [--iso3166-2 FILE] [--check] [-v]
        --check compares the generated text with the committed file and exits 1 if they differ.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.gazetteer import admin1_subdivisions  # noqa: E402  (the pipeline's own admin-1 rule)
OUT = ROOT / "gazetteer" / "places.jsonl"
COUNTRY_TSV = ROOT / "gazetteer" / "sources" / "country-wikidata.tsv"
DEFAULT_REFERENCE = Path("/work/shared/reference/identifiers.tsv")

# Values the brief and the project's reference state; the generated file must agree with them.
KNOWN_WIKIDATA = {
    "ML": "Q912", "NE": "Q1032", "BF": "Q965", "CA": "Q16", "DK": "Q35", "FR": "Q142", "DE": "Q183",
    "IT": "Q38", "JP": "Q17", "LU": "Q32", "NL": "Q29999", "NO": "Q20", "SE": "Q34", "ES": "Q29",
    "GB": "Q145", "US": "Q30", "HT": "Q790", "CO": "Q739", "MC": "Q235", "IE": "Q27", "SI": "Q215",
    "CH": "Q39", "JE": "Q785", "DO": "Q786",
}

# English names a report may use that pycountry's name / official_name / common_name do not give.
COUNTRY_ALIASES: dict[str, list[str]] = {
    "AE": ["UAE"],
    "BA": ["Bosnia-Herzegovina"],
    "BN": ["Brunei"],
    "BQ": ["Caribbean Netherlands"],
    "BS": ["The Bahamas"],
    "CC": ["Cocos Islands"],
    "CD": ["Democratic Republic of the Congo", "Democratic Republic of Congo", "DR Congo", "DRC",
           "Congo-Kinshasa"],
    "CG": ["Republic of Congo", "Congo-Brazzaville", "Congo Republic"],
    "CI": ["Ivory Coast"],
    "CV": ["Cape Verde"],
    "FK": ["Falkland Islands", "Falklands"],
    "FM": ["Micronesia"],
    "FO": ["Faeroe Islands"],
    "GB": ["UK", "U.K.", "Great Britain", "Britain"],
    "GM": ["The Gambia"],
    "GS": ["South Georgia"],
    "IE": ["Republic of Ireland"],
    "KN": ["St Kitts and Nevis", "St. Kitts and Nevis"],
    "KP": ["DPRK"],
    "KR": ["Republic of Korea"],
    "LA": ["Lao PDR"],
    "LC": ["St Lucia", "St. Lucia"],
    "MM": ["Burma"],
    "MO": ["Macau"],
    "PN": ["Pitcairn Islands"],
    "PS": ["Palestine", "State of Palestine", "Occupied Palestinian Territory"],
    "RU": ["Russia"],
    "SZ": ["Swaziland"],
    "TF": ["French Southern and Antarctic Lands"],
    "TL": ["East Timor"],
    "TR": ["Turkey"],
    "US": ["USA", "U.S.A.", "U.S."],
    "VA": ["Vatican City", "Vatican", "Holy See"],
    "VC": ["St Vincent and the Grenadines", "St. Vincent and the Grenadines"],
    "VI": ["US Virgin Islands", "U.S. Virgin Islands", "United States Virgin Islands"],
}

# Well-known English names/exonyms of first-level subdivisions where pycountry gives a local-language or
# awkward form (for example "Bayern", "Severnaya Osetiya, Respublika", "Anhui Sheng"). Mali's come mostly from
# the reference table (read below); MALI_EXTRA adds the plain "<name> Region" forms and a common spelling.
SUBDIVISION_ALIASES: dict[str, list[str]] = {
    # Mali (additions to the reference table's aliases)
    "ML-2": ["Koulikoro Region"], "ML-3": ["Sikasso Region"], "ML-4": ["Ségou Region"],
    "ML-5": ["Mopti Region"], "ML-6": ["Tombouctou Region"], "ML-7": ["Gao Region"], "ML-8": ["Kidal Region"],
    "ML-9": ["Ménaka Region"], "ML-10": ["Taoudénit Region", "Taoudenni"], "ML-BKO": ["Bamako District"],
    # Germany
    "DE-BY": ["Bavaria"], "DE-HE": ["Hesse"], "DE-NI": ["Lower Saxony"], "DE-NW": ["North Rhine-Westphalia"],
    "DE-RP": ["Rhineland-Palatinate"], "DE-SN": ["Saxony"], "DE-ST": ["Saxony-Anhalt"], "DE-TH": ["Thuringia"],
    "DE-MV": ["Mecklenburg-Western Pomerania"],
    # Italy
    "IT-21": ["Piedmont"], "IT-23": ["Aosta Valley"], "IT-25": ["Lombardy"], "IT-32": ["Trentino-South Tyrol"],
    "IT-52": ["Tuscany"], "IT-75": ["Apulia"], "IT-82": ["Sicily"], "IT-88": ["Sardinia"],
    # Spain
    "ES-AN": ["Andalusia"], "ES-CT": ["Catalonia"], "ES-CN": ["Canary Islands"],
    "ES-IB": ["Balearic Islands"], "ES-PV": ["Basque Country"], "ES-CL": ["Castile and León"],
    "ES-CM": ["Castile-La Mancha"], "ES-MC": ["Region of Murcia"], "ES-MD": ["Community of Madrid"],
    "ES-NC": ["Navarre"], "ES-VC": ["Valencian Community"],
    # Portugal
    "PT-20": ["Azores"], "PT-30": ["Madeira"], "PT-11": ["Lisbon District"],
    # Belgium
    "BE-BRU": ["Brussels-Capital Region"], "BE-VLG": ["Flanders", "Flemish Region"],
    "BE-WAL": ["Wallonia", "Walloon Region"],
    # Switzerland
    "CH-BE": ["Bern"], "CH-GE": ["Geneva"], "CH-LU": ["Lucerne"], "CH-GR": ["Grisons"], "CH-SG": ["St. Gallen"],
    # Austria
    "AT-2": ["Carinthia"], "AT-3": ["Lower Austria"], "AT-4": ["Upper Austria"], "AT-6": ["Styria"],
    "AT-7": ["Tyrol"], "AT-9": ["Vienna"],
    # France
    "FR-20R": ["Corsica"], "FR-BRE": ["Brittany"], "FR-NOR": ["Normandy"],
    # Netherlands
    "NL-NH": ["North Holland"], "NL-ZH": ["South Holland"], "NL-NB": ["North Brabant"], "NL-FR": ["Friesland"],
    # Denmark
    "DK-81": ["North Denmark Region"], "DK-82": ["Central Denmark Region"],
    "DK-83": ["Region of Southern Denmark"], "DK-84": ["Capital Region of Denmark"], "DK-85": ["Region Zealand"],
    # Sweden
    "SE-AB": ["Stockholm County"], "SE-AC": ["Västerbotten County"], "SE-BD": ["Norrbotten County"],
    "SE-C": ["Uppsala County"], "SE-D": ["Södermanland County"], "SE-E": ["Östergötland County"],
    "SE-F": ["Jönköping County"], "SE-G": ["Kronoberg County"], "SE-H": ["Kalmar County"],
    "SE-I": ["Gotland County"], "SE-K": ["Blekinge County"], "SE-M": ["Skåne County", "Scania"],
    "SE-N": ["Halland County"], "SE-O": ["Västra Götaland County"], "SE-S": ["Värmland County"],
    "SE-T": ["Örebro County"], "SE-U": ["Västmanland County"], "SE-W": ["Dalarna County"],
    "SE-X": ["Gävleborg County"], "SE-Y": ["Västernorrland County"], "SE-Z": ["Jämtland County"],
    # Finland
    "FI-02": ["South Karelia"], "FI-03": ["South Ostrobothnia"], "FI-04": ["South Savo"],
    "FI-06": ["Tavastia Proper"], "FI-07": ["Central Ostrobothnia"], "FI-08": ["Central Finland"],
    "FI-10": ["Lapland"], "FI-12": ["Ostrobothnia"], "FI-13": ["North Karelia"], "FI-14": ["North Ostrobothnia"],
    "FI-15": ["North Savo"], "FI-16": ["Päijänne Tavastia"], "FI-19": ["Southwest Finland"],
    # Ireland
    "IE-C": ["Connacht"],
    # Greece
    "GR-69": ["Mount Athos"], "GR-A": ["Eastern Macedonia and Thrace"], "GR-B": ["Central Macedonia"],
    "GR-C": ["Western Macedonia"], "GR-D": ["Epirus"], "GR-E": ["Thessaly"], "GR-F": ["Ionian Islands"],
    "GR-G": ["Western Greece"], "GR-H": ["Central Greece"], "GR-I": ["Attica"], "GR-J": ["Peloponnese"],
    "GR-K": ["North Aegean"], "GR-L": ["South Aegean"], "GR-M": ["Crete"],
    # Poland
    "PL-02": ["Lower Silesian Voivodeship"], "PL-04": ["Kuyavian-Pomeranian Voivodeship"],
    "PL-06": ["Lublin Voivodeship"], "PL-08": ["Lubusz Voivodeship"], "PL-10": ["Łódź Voivodeship"],
    "PL-12": ["Lesser Poland Voivodeship"], "PL-14": ["Masovian Voivodeship"], "PL-16": ["Opole Voivodeship"],
    "PL-18": ["Subcarpathian Voivodeship"], "PL-20": ["Podlaskie Voivodeship"],
    "PL-22": ["Pomeranian Voivodeship"], "PL-24": ["Silesian Voivodeship"],
    "PL-26": ["Świętokrzyskie Voivodeship"], "PL-28": ["Warmian-Masurian Voivodeship"],
    "PL-30": ["Greater Poland Voivodeship"], "PL-32": ["West Pomeranian Voivodeship"],
    # Czechia
    "CZ-10": ["Prague"], "CZ-20": ["Central Bohemian Region"], "CZ-31": ["South Bohemian Region"],
    "CZ-32": ["Plzeň Region"], "CZ-41": ["Karlovy Vary Region"], "CZ-42": ["Ústí nad Labem Region"],
    "CZ-51": ["Liberec Region"], "CZ-52": ["Hradec Králové Region"], "CZ-53": ["Pardubice Region"],
    "CZ-63": ["Vysočina Region"], "CZ-64": ["South Moravian Region"], "CZ-71": ["Olomouc Region"],
    "CZ-72": ["Zlín Region"], "CZ-80": ["Moravian-Silesian Region"],
    # Romania, Bulgaria, Serbia, Croatia
    "RO-B": ["Bucharest"], "BG-22": ["Sofia City"], "BG-23": ["Sofia Province"], "RS-00": ["Belgrade"],
    "HR-01": ["Zagreb County"], "HR-02": ["Krapina-Zagorje County"], "HR-03": ["Sisak-Moslavina County"],
    "HR-04": ["Karlovac County"], "HR-05": ["Varaždin County"], "HR-06": ["Koprivnica-Križevci County"],
    "HR-07": ["Bjelovar-Bilogora County"], "HR-08": ["Primorje-Gorski Kotar County"],
    "HR-09": ["Lika-Senj County"], "HR-10": ["Virovitica-Podravina County"],
    "HR-11": ["Požega-Slavonia County"], "HR-12": ["Brod-Posavina County"], "HR-13": ["Zadar County"],
    "HR-14": ["Osijek-Baranja County"], "HR-15": ["Šibenik-Knin County"], "HR-16": ["Vukovar-Srijem County"],
    "HR-17": ["Split-Dalmatia County"], "HR-18": ["Istria County"], "HR-19": ["Dubrovnik-Neretva County"],
    "HR-20": ["Međimurje County"], "HR-21": ["City of Zagreb"],
    # Russia
    "RU-MOW": ["Moscow"], "RU-SPE": ["Saint Petersburg", "St Petersburg"], "RU-CE": ["Chechnya"],
    "RU-DA": ["Dagestan"], "RU-IN": ["Ingushetia"], "RU-TA": ["Tatarstan"], "RU-BA": ["Bashkortostan"],
    "RU-SA": ["Sakha Republic", "Yakutia"], "RU-SE": ["North Ossetia"], "RU-KR": ["Karelia"],
    "RU-TY": ["Tuva"], "RU-BU": ["Buryatia"], "RU-KL": ["Kalmykia"], "RU-KO": ["Komi Republic"],
    "RU-CU": ["Chuvashia"], "RU-UD": ["Udmurtia"], "RU-MO": ["Mordovia"], "RU-AD": ["Adygea"],
    "RU-KB": ["Kabardino-Balkaria"], "RU-KC": ["Karachay-Cherkessia"], "RU-KK": ["Khakassia"],
    "RU-ME": ["Mari El"], "RU-AL": ["Altai Republic"], "RU-ALT": ["Altai Krai"],
    "RU-KDA": ["Krasnodar Krai"], "RU-PRI": ["Primorsky Krai"], "RU-KHA": ["Khabarovsk Krai"],
    "RU-KYA": ["Krasnoyarsk Krai"], "RU-STA": ["Stavropol Krai"], "RU-PER": ["Perm Krai"],
    "RU-KAM": ["Kamchatka Krai"], "RU-ZAB": ["Zabaykalsky Krai"], "RU-CHU": ["Chukotka"],
    "RU-KHM": ["Khanty-Mansi Autonomous Okrug"], "RU-YAN": ["Yamalo-Nenets Autonomous Okrug"],
    "RU-NEN": ["Nenets Autonomous Okrug"], "RU-YEV": ["Jewish Autonomous Oblast"],
    "RU-AMU": ["Amur Oblast"], "RU-ARK": ["Arkhangelsk Oblast"], "RU-AST": ["Astrakhan Oblast"],
    "RU-BEL": ["Belgorod Oblast"], "RU-BRY": ["Bryansk Oblast"], "RU-CHE": ["Chelyabinsk Oblast"],
    "RU-IRK": ["Irkutsk Oblast"], "RU-IVA": ["Ivanovo Oblast"], "RU-KEM": ["Kemerovo Oblast"],
    "RU-KGD": ["Kaliningrad Oblast"], "RU-KGN": ["Kurgan Oblast"], "RU-KIR": ["Kirov Oblast"],
    "RU-KLU": ["Kaluga Oblast"], "RU-KOS": ["Kostroma Oblast"], "RU-KRS": ["Kursk Oblast"],
    "RU-LEN": ["Leningrad Oblast"], "RU-LIP": ["Lipetsk Oblast"], "RU-MAG": ["Magadan Oblast"],
    "RU-MOS": ["Moscow Oblast"], "RU-MUR": ["Murmansk Oblast"], "RU-NGR": ["Novgorod Oblast"],
    "RU-NIZ": ["Nizhny Novgorod Oblast"], "RU-NVS": ["Novosibirsk Oblast"], "RU-OMS": ["Omsk Oblast"],
    "RU-ORE": ["Orenburg Oblast"], "RU-ORL": ["Oryol Oblast"], "RU-PNZ": ["Penza Oblast"],
    "RU-PSK": ["Pskov Oblast"], "RU-ROS": ["Rostov Oblast"], "RU-RYA": ["Ryazan Oblast"],
    "RU-SAK": ["Sakhalin Oblast"], "RU-SAM": ["Samara Oblast"], "RU-SAR": ["Saratov Oblast"],
    "RU-SMO": ["Smolensk Oblast"], "RU-SVE": ["Sverdlovsk Oblast"], "RU-TAM": ["Tambov Oblast"],
    "RU-TOM": ["Tomsk Oblast"], "RU-TUL": ["Tula Oblast"], "RU-TVE": ["Tver Oblast"],
    "RU-TYU": ["Tyumen Oblast"], "RU-ULY": ["Ulyanovsk Oblast"], "RU-VGG": ["Volgograd Oblast"],
    "RU-VLA": ["Vladimir Oblast"], "RU-VLG": ["Vologda Oblast"], "RU-VOR": ["Voronezh Oblast"],
    "RU-YAR": ["Yaroslavl Oblast"],
    # Ukraine
    "UA-30": ["Kiev"], "UA-43": ["Crimea", "Autonomous Republic of Crimea"],
    "UA-05": ["Vinnytsia Oblast"], "UA-07": ["Volyn Oblast"], "UA-09": ["Luhansk Oblast"],
    "UA-12": ["Dnipropetrovsk Oblast"], "UA-14": ["Donetsk Oblast"], "UA-18": ["Zhytomyr Oblast"],
    "UA-21": ["Zakarpattia Oblast"], "UA-23": ["Zaporizhzhia Oblast"], "UA-26": ["Ivano-Frankivsk Oblast"],
    "UA-32": ["Kyiv Oblast"], "UA-35": ["Kirovohrad Oblast"], "UA-46": ["Lviv Oblast"],
    "UA-48": ["Mykolaiv Oblast"], "UA-51": ["Odesa Oblast"], "UA-53": ["Poltava Oblast"],
    "UA-56": ["Rivne Oblast"], "UA-59": ["Sumy Oblast"], "UA-61": ["Ternopil Oblast"],
    "UA-63": ["Kharkiv Oblast"], "UA-65": ["Kherson Oblast"], "UA-68": ["Khmelnytskyi Oblast"],
    "UA-71": ["Cherkasy Oblast"], "UA-74": ["Chernihiv Oblast"], "UA-77": ["Chernivtsi Oblast"],
    # Georgia, Armenia, Azerbaijan
    "GE-AJ": ["Adjara"], "GE-KA": ["Kakheti"], "GE-RL": ["Racha-Lechkhumi and Kvemo Svaneti"],
    "AM-ER": ["Yerevan"], "AM-AG": ["Aragatsotn"], "AM-GR": ["Gegharkunik"], "AM-KT": ["Kotayk"],
    "AM-SH": ["Shirak"], "AM-SU": ["Syunik"], "AM-TV": ["Tavush"], "AM-VD": ["Vayots Dzor"],
    "AZ-BA": ["Baku"], "AZ-GA": ["Ganja"], "AZ-NX": ["Nakhchivan"], "AZ-SM": ["Sumgait"],
    # Central Asia
    "KZ-10": ["Abai Region"], "KZ-11": ["Akmola Region"], "KZ-15": ["Aktobe Region"], "KZ-19": ["Almaty Region"],
    "KZ-23": ["Atyrau Region"], "KZ-27": ["West Kazakhstan Region"], "KZ-31": ["Jambyl Region"],
    "KZ-33": ["Jetisu Region"], "KZ-35": ["Karaganda Region"], "KZ-39": ["Kostanay Region"],
    "KZ-43": ["Kyzylorda Region"], "KZ-47": ["Mangystau Region"], "KZ-55": ["Pavlodar Region"],
    "KZ-59": ["North Kazakhstan Region"], "KZ-61": ["Turkistan Region"], "KZ-62": ["Ulytau Region"],
    "KZ-63": ["East Kazakhstan Region"],
    "UZ-TK": ["Tashkent"], "UZ-TO": ["Tashkent Region"], "UZ-AN": ["Andijan Region"],
    "UZ-BU": ["Bukhara Region"], "UZ-FA": ["Fergana Region"], "UZ-JI": ["Jizzakh Region"],
    "UZ-NG": ["Namangan Region"], "UZ-NW": ["Navoiy Region"], "UZ-QA": ["Kashkadarya Region"],
    "UZ-QR": ["Karakalpakstan"], "UZ-SA": ["Samarkand Region"], "UZ-SI": ["Syrdarya Region"],
    "UZ-SU": ["Surkhandarya Region"], "UZ-XO": ["Khorezm Region"],
    "TJ-GB": ["Gorno-Badakhshan"], "TJ-RA": ["Districts of Republican Subordination"],
    "KG-GB": ["Bishkek"], "KG-C": ["Chuy Region"], "KG-Y": ["Issyk-Kul Region"],
    "TM-S": ["Ashgabat"],
    # China
    "CN-AH": ["Anhui"], "CN-BJ": ["Beijing"], "CN-CQ": ["Chongqing"], "CN-FJ": ["Fujian"],
    "CN-GD": ["Guangdong"], "CN-GS": ["Gansu"], "CN-GX": ["Guangxi"], "CN-GZ": ["Guizhou"], "CN-HA": ["Henan"],
    "CN-HB": ["Hubei"], "CN-HE": ["Hebei"], "CN-HI": ["Hainan"], "CN-HL": ["Heilongjiang"], "CN-HN": ["Hunan"],
    "CN-JL": ["Jilin"], "CN-JS": ["Jiangsu"], "CN-JX": ["Jiangxi"], "CN-LN": ["Liaoning"],
    "CN-NM": ["Inner Mongolia"], "CN-NX": ["Ningxia"], "CN-QH": ["Qinghai"], "CN-SC": ["Sichuan"],
    "CN-SD": ["Shandong"], "CN-SH": ["Shanghai"], "CN-SN": ["Shaanxi"], "CN-SX": ["Shanxi"],
    "CN-TJ": ["Tianjin"], "CN-XJ": ["Xinjiang"], "CN-XZ": ["Tibet", "Tibet Autonomous Region"],
    "CN-YN": ["Yunnan"], "CN-ZJ": ["Zhejiang"],
    # Korea
    "KR-11": ["Seoul"], "KR-26": ["Busan"], "KR-27": ["Daegu"], "KR-28": ["Incheon"], "KR-29": ["Gwangju"],
    "KR-30": ["Daejeon"], "KR-31": ["Ulsan"], "KR-41": ["Gyeonggi Province"], "KR-42": ["Gangwon Province"],
    "KR-43": ["North Chungcheong Province"], "KR-44": ["South Chungcheong Province"],
    "KR-45": ["North Jeolla Province"], "KR-46": ["South Jeolla Province"],
    "KR-47": ["North Gyeongsang Province"], "KR-48": ["South Gyeongsang Province"], "KR-49": ["Jeju Province"],
    "KP-01": ["Pyongyang"], "KP-02": ["South Pyongan"], "KP-03": ["North Pyongan"], "KP-04": ["Chagang"],
    "KP-05": ["South Hwanghae"], "KP-06": ["North Hwanghae"], "KP-07": ["Kangwon Province"],
    "KP-08": ["South Hamgyong"], "KP-09": ["North Hamgyong"], "KP-10": ["Ryanggang"], "KP-13": ["Rason"],
    "KP-14": ["Nampo"], "KP-15": ["Kaesong"],
    # South and South-East Asia
    "IN-OD": ["Orissa"], "IN-PY": ["Pondicherry"], "IN-DL": ["National Capital Territory of Delhi"],
    "PK-BA": ["Baluchistan"], "PK-IS": ["Islamabad Capital Territory"], "PK-JK": ["Azad Kashmir"],
    "PK-KP": ["North-West Frontier Province"],
    "BD-A": ["Barisal"], "BD-B": ["Chittagong"],
    "MM-01": ["Sagaing Region"], "MM-02": ["Bago Region"], "MM-03": ["Magway Region"],
    "MM-04": ["Mandalay Region"], "MM-05": ["Tanintharyi Region"], "MM-06": ["Yangon Region"],
    "MM-07": ["Ayeyarwady Region"], "MM-11": ["Kachin State"], "MM-12": ["Kayah State", "Karenni State"],
    "MM-13": ["Kayin State", "Karen State"], "MM-14": ["Chin State"], "MM-15": ["Mon State"],
    "MM-16": ["Rakhine State", "Arakan"], "MM-17": ["Shan State"], "MM-18": ["Naypyidaw", "Naypyitaw"],
    "TH-10": ["Bangkok"], "TH-S": ["Pattaya"],
    "VN-HN": ["Hanoi"], "VN-SG": ["Ho Chi Minh City", "Saigon"], "VN-HP": ["Haiphong"],
    "KH-1": ["Banteay Meanchey"], "KH-2": ["Battambang"], "KH-3": ["Kampong Cham"], "KH-5": ["Kampong Speu"],
    "KH-6": ["Kampong Thom"], "KH-8": ["Kandal"], "KH-9": ["Koh Kong"], "KH-10": ["Kratie"],
    "KH-11": ["Mondulkiri"], "KH-14": ["Prey Veng"], "KH-15": ["Pursat"], "KH-16": ["Ratanakiri"],
    "KH-17": ["Siem Reap"], "KH-18": ["Sihanoukville"], "KH-19": ["Stung Treng"], "KH-20": ["Svay Rieng"],
    "KH-21": ["Takeo"], "KH-22": ["Oddar Meanchey"], "KH-23": ["Kep"],
    "LA-VT": ["Vientiane Prefecture", "Vientiane Capital"], "LA-VI": ["Vientiane Province"],
    "LA-LP": ["Luang Prabang"], "LA-LM": ["Luang Namtha"], "LA-PH": ["Phongsaly"], "LA-AT": ["Attapeu"],
    "LA-HO": ["Houaphanh"], "LA-KH": ["Khammouane"], "LA-BL": ["Bolikhamsai"],
    "ID-JW": ["Java"], "ID-SM": ["Sumatra"], "ID-ML": ["Moluccas"],
    # Middle East and North Africa
    "EG-C": ["Cairo", "Cairo Governorate"], "EG-ALX": ["Alexandria", "Alexandria Governorate"],
    "EG-GZ": ["Giza", "Giza Governorate"], "EG-BA": ["Red Sea Governorate"], "EG-LX": ["Luxor"],
    "EG-SUZ": ["Suez"], "EG-PTS": ["Port Said"], "EG-JS": ["South Sinai"], "EG-SIN": ["North Sinai"],
    "EG-WAD": ["New Valley"], "EG-DT": ["Damietta"], "EG-FYM": ["Faiyum"], "EG-KN": ["Qena"],
    "EG-SHG": ["Sohag"], "EG-MN": ["Minya"], "EG-MNF": ["Monufia"], "EG-KB": ["Qalyubia"],
    "EG-SHR": ["Sharqia"], "EG-DK": ["Dakahlia"], "EG-GH": ["Gharbia"], "EG-BH": ["Beheira"],
    "EG-IS": ["Ismailia"], "EG-BNS": ["Beni Suef"], "EG-KFS": ["Kafr el-Sheikh"], "EG-MT": ["Matrouh"],
    "MA-03": ["Fez-Meknes"], "MA-07": ["Marrakesh-Safi"], "DZ-16": ["Algiers"],
    "TN-12": ["Ariana"], "TN-14": ["Manouba"],
    "LY-BA": ["Benghazi"], "LY-MI": ["Misrata"], "LY-DR": ["Derna"], "LY-SR": ["Sirte"], "LY-KF": ["Kufra"],
    "SA-01": ["Riyadh", "Riyadh Province"], "SA-02": ["Mecca", "Makkah", "Makkah Province"],
    "SA-03": ["Medina", "Madinah"], "SA-05": ["Qassim"], "SA-08": ["Northern Borders"],
    "SA-14": ["Asir"],
    "IQ-BA": ["Basra"], "IQ-NI": ["Nineveh", "Ninewa"], "IQ-KR": ["Kurdistan Region", "Iraqi Kurdistan"],
    "IQ-AN": ["Anbar"], "IQ-SD": ["Salah al-Din", "Saladin"], "IQ-NA": ["Najaf"], "IQ-KA": ["Karbala"],
    "IQ-MU": ["Muthanna"],
    "IR-03": ["East Azerbaijan"], "IR-04": ["West Azerbaijan"], "IR-09": ["Razavi Khorasan"],
    "IR-10": ["Isfahan"], "IR-11": ["Sistan and Baluchestan"], "IR-12": ["Kurdistan Province"],
    "IR-14": ["Chaharmahal and Bakhtiari"], "IR-17": ["Kohgiluyeh and Boyer-Ahmad"],
    "IR-28": ["North Khorasan"], "IR-29": ["South Khorasan"],
    "SY-DI": ["Damascus"], "SY-RD": ["Rural Damascus"], "SY-HL": ["Aleppo"], "SY-HI": ["Homs"],
    "SY-HM": ["Hama"], "SY-LA": ["Latakia"], "SY-DY": ["Deir ez-Zor"], "SY-HA": ["Hasakah"],
    "SY-RA": ["Raqqa"], "SY-DR": ["Daraa"], "SY-QU": ["Quneitra"], "SY-SU": ["As-Suwayda", "Suwayda"],
    "LB-BA": ["Beirut"], "LB-JL": ["Mount Lebanon"], "LB-AS": ["North Lebanon"], "LB-JA": ["South Lebanon"],
    "LB-BI": ["Beqaa"], "LB-BH": ["Baalbek-Hermel"], "LB-NA": ["Nabatieh"], "LB-AK": ["Akkar"],
    "JO-AM": ["Amman"], "JO-AQ": ["Aqaba"], "JO-AZ": ["Zarqa"], "JO-MA": ["Mafraq"], "JO-BA": ["Balqa"],
    "JO-KA": ["Karak"], "JO-AT": ["Tafilah"], "JO-AJ": ["Ajloun"], "JO-JA": ["Jerash"],
    "YE-AD": ["Aden"], "YE-SA": ["Sana'a City"], "YE-SN": ["Sana'a Governorate"], "YE-HU": ["Hodeidah"],
    "YE-TA": ["Taiz"], "YE-HD": ["Hadramaut", "Hadhramaut"], "YE-SU": ["Socotra"], "YE-MA": ["Marib"],
    "YE-SD": ["Saada"],
    "IL-JM": ["Jerusalem District"], "IL-TA": ["Tel Aviv District"], "IL-HA": ["Haifa District"],
    # Africa
    "TD-ND": ["N'Djamena"], "TG-M": ["Maritime Region"],
    "CD-NK": ["North Kivu"], "CD-SK": ["South Kivu"], "CD-BC": ["Bas-Congo"],
    "MZ-MPM": ["Maputo City"], "MZ-L": ["Maputo Province"], "AO-MAL": ["Malanje"],
    "ET-AM": ["Amhara", "Amhara Region"], "ET-TI": ["Tigray", "Tigray Region"],
    "ET-BE": ["Benishangul-Gumuz"], "ET-GA": ["Gambela", "Gambella"], "ET-HA": ["Harari"],
    "ET-SN": ["SNNPR"], "ET-SO": ["Somali Region"], "ET-AF": ["Afar Region"], "ET-OR": ["Oromia Region"],
    "SO-BN": ["Banadir", "Benadir"], "SO-JH": ["Lower Juba"], "SO-JD": ["Middle Juba"],
    "SO-SH": ["Lower Shabelle"], "SO-SD": ["Middle Shabelle"], "SO-HI": ["Hiran"],
    "SD-GZ": ["Al Jazirah"],
    "ER-AN": ["Anseba"], "ER-DU": ["Debub"], "ER-GB": ["Gash-Barka"], "ER-SK": ["Northern Red Sea"],
    "ER-DK": ["Southern Red Sea"], "ER-MA": ["Maekel"],
    "KE-30": ["Nairobi", "Nairobi County"], "KE-05": ["Elgeyo-Marakwet"], "KE-39": ["Taita-Taveta"],
    "TZ-19": ["Pwani"], "RW-01": ["Kigali"], "BI-BM": ["Bujumbura"], "HT-GA": ["Grand'Anse"],
    # Americas
    "MX-CMX": ["Mexico City"], "MX-MEX": ["State of Mexico"], "MX-COA": ["Coahuila"],
    "MX-MIC": ["Michoacán"], "MX-VER": ["Veracruz"],
    "CO-DC": ["Bogotá"], "CO-SAP": ["San Andrés and Providencia"],
    "PE-CAL": ["Callao"], "PE-CUS": ["Cuzco"], "BO-B": ["Beni"],
    "CL-RM": ["Santiago Metropolitan Region"], "AR-C": ["Autonomous City of Buenos Aires"],
    "CU-03": ["Havana"], "CU-99": ["Isle of Youth"],
}

# Single-word aliases that are ordinary English words; an alias here is refused.
COMMON_WORDS = {
    "central", "centre", "center", "north", "south", "east", "west", "northern", "southern", "eastern",
    "western", "coast", "lakes", "plateau", "plateaux", "delta", "bay", "valley", "savannah", "capital",
    "oriental", "maritime", "littoral", "rivers", "mary", "hail", "nord", "sud", "est", "ouest", "centrale", "us",
}


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key (the matcher's view of a name)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bb", "'").replace("\u02bc", "'")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def pycountry_names(code: str) -> list[str]:
    if "-" in code:
        sub = pycountry.subdivisions.get(code=code)
        return [sub.name] if sub else []
    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return []
    return [n for n in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)) if n]


def read_country_wikidata() -> dict[str, str]:
    rows = [ln for ln in COUNTRY_TSV.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    out = {}
    for rec in csv.DictReader(rows, delimiter="\t"):
        out[rec["alpha2"]] = rec["wikidata"]
        c = pycountry.countries.get(alpha_2=rec["alpha2"])
        if c is None or c.alpha_3 != rec["alpha3"]:
            sys.exit(f"country-wikidata.tsv: {rec['alpha2']}/{rec['alpha3']} does not match pycountry")
    return out


def read_reference(path: Path) -> dict[str, dict]:
    """ISO-coded places from the reference table: {code: {wikidata, aliases, iati, donor}}."""
    out: dict[str, dict] = {}
    with path.open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            m = re.search(r"ISO3166-[12]:\s*([A-Z]{2}(?:-[A-Z0-9]{1,3})?)\b", rec["iso_or_pcode"] or "")
            if not m:
                continue
            code = m.group(1)
            aliases: list[str] = []
            for part in (rec["other"] or "").split(";"):
                key, _, val = part.strip().partition("=")
                if key == "aliases":
                    aliases = [a.strip() for a in val.split("|") if a.strip()]
            entry = {"wikidata": (rec["wikidata"] or "").strip(), "aliases": aliases}
            if rec["kind"] == "donor_country":
                entry["donor"] = True
                if (rec["iati_org_id"] or "").strip():
                    entry["iati"] = rec["iati_org_id"].strip()
            out[code] = entry
    return out


def build(reference: Path, verbose: bool = False, iso3166_2: Path | None = None) -> list[dict]:
    errors: list[str] = []
    country_wd = read_country_wikidata()
    ref = read_reference(reference)

    missing = sorted({c.alpha_2 for c in pycountry.countries} - set(country_wd))
    if missing:
        errors.append(f"countries without a Wikidata id: {missing}")

    entries: dict[str, dict] = {}
    for code, qid in country_wd.items():
        entries[code] = {"code": code, "wikidata": qid, "aliases": list(COUNTRY_ALIASES.get(code, []))}
    for code, extra in SUBDIVISION_ALIASES.items():
        entries.setdefault(code, {"code": code, "aliases": []})["aliases"].extend(extra)
    for code, r in ref.items():
        e = entries.setdefault(code, {"code": code, "aliases": []})
        if r["wikidata"]:
            if e.get("wikidata") and e["wikidata"] != r["wikidata"]:
                errors.append(f"{code}: reference Wikidata {r['wikidata']} != dataset {e['wikidata']}")
            e["wikidata"] = r["wikidata"]
        e["aliases"] = r["aliases"] + e["aliases"]
        for key in ("iati", "donor"):
            if key in r:
                e[key] = r[key]

    for code, qid in KNOWN_WIKIDATA.items():
        if entries.get(code, {}).get("wikidata") != qid:
            errors.append(f"{code}: expected Wikidata {qid}, got {entries.get(code, {}).get('wikidata')}")

    # Every code must be an ISO 3166 code pycountry knows.
    for code in entries:
        if not pycountry_names(code):
            errors.append(f"{code}: not an ISO 3166 code in pycountry")
        elif "-" in code and code not in {u.code for u in admin1_subdivisions()}:
            errors.append(f"{code}: not a first-level subdivision (the pipeline loads admin-1 only)")

    # Names pycountry already gives, by folded key -> code (countries and subdivisions separately).
    country_keys = {fold(n): c.alpha_2 for c in pycountry.countries for n in pycountry_names(c.alpha_2)}
    sub_keys: dict[str, set[str]] = {}
    for s in pycountry.subdivisions:
        sub_keys.setdefault(fold(s.name), set()).add(s.code)

    # Clean aliases: drop repeats of the entry's own pycountry names (incl. accent-stripped forms).
    for code, e in entries.items():
        own = {fold(n) for n in pycountry_names(code)}
        kept, seen = [], set()
        for a in e["aliases"]:
            k = fold(a)
            if k in own or k in seen:
                if verbose:
                    print(f"  {code}: dropped {a!r} (pycountry or earlier alias already gives it)", file=sys.stderr)
                continue
            seen.add(k)
            kept.append(a)
        e["aliases"] = kept

    # Collisions and common words.
    owner: dict[str, str] = {}
    for code, e in entries.items():
        for a in e["aliases"]:
            k = fold(a)
            if k in owner and owner[k] != code:
                errors.append(f"alias {a!r} given to both {owner[k]} and {code}")
            owner[k] = code
            if k in country_keys and country_keys[k] != code:
                errors.append(f"{code}: alias {a!r} is the name of country {country_keys[k]}")
            other_subs = sub_keys.get(k, set()) - {code}
            if other_subs:
                errors.append(f"{code}: alias {a!r} is the pycountry name of {sorted(other_subs)}")
            if k in COMMON_WORDS:
                errors.append(f"{code}: alias {a!r} is a common English word")

    if errors:
        sys.exit("make_places: " + "\n  ".join(["validation failed:"] + errors))

    if iso3166_2 is not None:
        add_generated_names(entries, iso3166_2)

    out = []
    for code in sorted(entries):
        e = entries[code]
        rec = {"code": code}
        if e.get("wikidata"):
            if not re.fullmatch(r"Q[1-9][0-9]*", e["wikidata"]):
                sys.exit(f"{code}: bad Wikidata id {e['wikidata']!r}")
            rec["wikidata"] = e["wikidata"]
        if e["aliases"]:
            rec["aliases"] = e["aliases"]
        if e.get("label"):
            rec["label"] = e["label"]
        if e.get("exclude"):
            rec["exclude"] = e["exclude"]
        if e.get("iati"):
            rec["iati"] = e["iati"]
        if e.get("donor"):
            rec["donor"] = True
        if len(rec) > 1:
            out.append(rec)
    return out


# French, Spanish, Portuguese and Italian compass and position words, in English.
COMPASS = {
    "nord": ["North"], "sud": ["South"], "est": ["East"], "ouest": ["West"], "norte": ["North"], "sur": ["South"],
    "sul": ["South"], "este": ["East"], "leste": ["East"], "oeste": ["West"], "centre": ["Centre", "Center", "Central"],
    "centro": ["Centre", "Center", "Central"], "nordeste": ["North-East"], "noreste": ["North-East"],
    "noroeste": ["North-West"], "sudeste": ["South-East"], "sureste": ["South-East"], "sudoeste": ["South-West"],
    "suroeste": ["South-West"], "extreme": ["Far"], "haut": ["Upper"], "haute": ["Upper"], "alto": ["Upper"],
    "alta": ["Upper"], "bas": ["Lower"], "basse": ["Lower"], "bajo": ["Lower"], "baja": ["Lower"], "baixo": ["Lower"],
    "moyen": ["Middle"], "moyenne": ["Middle"], "medio": ["Middle"], "oriental": ["Eastern", "East"],
    "occidental": ["Western", "West"], "septentrional": ["Northern", "North"], "meridional": ["Southern", "South"],
    "central": ["Central"],
}
ENGLISH_COMPASS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "far", "upper",
                   "lower", "middle", "central", "centre", "center"}
LINKS = {"de", "du", "del", "da", "do", "des", "la", "le", "el"}
# Compass words that follow the name they qualify ("Kasaï-Oriental" -> "East Kasaï").
POSTPOSITIVE = {"oriental", "occidental", "septentrional", "meridional", "nord", "sud", "est", "ouest", "norte", "sur",
                "sul", "este", "oeste", "central", "centre"}
ARTICLE = re.compile(r"^(?:Al|Ar|As|Ash|At|Ath|Ad|Adh|Az|An|Aj|Ad|El)[ -](?=\w)", re.IGNORECASE)
SUN = {"t": "At", "th": "Ath", "d": "Ad", "dh": "Adh", "r": "Ar", "z": "Az", "s": "As", "sh": "Ash", "n": "An", "j": "Aj"}
# Type words GeoNames puts around an admin-1 name.
GEONAMES_TYPE = re.compile(r"^(?:Muhafazat|Mayorality of|Wilaya de|Provincia de|Departamento de|Région de|Region of)\s+|"
                           r"\s+(?:Governorate|Province|Region|State|Department|District|Oblast|Prefecture|County)$")


def _words() -> set[str]:
    from make_towns import read_common_words

    return read_common_words()


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[\s\-]+", name) if t]


def compass_variants(name: str) -> list[str]:
    """English forms of compass and position words: "Nord-Ouest" -> "North-West", "Sud-Kivu" -> "South Kivu"."""
    toks = _tokens(name)
    keys = [fold(t) for t in toks]
    out = []
    if toks and all(k in COMPASS for k in keys):
        parts = [COMPASS[k][0] for k in keys]
        out.append("-".join(parts) if not parts[0] == "Far" else " ".join(parts))
        if keys == ["centre"] or keys == ["centro"]:
            out += COMPASS[keys[0]][1:]
    elif len(toks) >= 2 and keys[0] in COMPASS and keys[1] not in COMPASS:
        rest = toks[2:] if keys[1] in LINKS and len(toks) > 2 else toks[1:]
        out += [f"{e} {' '.join(rest)}" for e in COMPASS[keys[0]]]
    elif len(toks) >= 2 and keys[-1] in POSTPOSITIVE and keys[0] not in COMPASS and keys[-2] not in LINKS:
        out += [f"{e} {' '.join(toks[:-1])}" for e in COMPASS[keys[-1]]]
    eng = []
    for n in [name, *out]:
        t = _tokens(n)
        if len(t) == 2 and all(fold(x) in ENGLISH_COMPASS for x in t) and fold(t[0]) in {"north", "south"}:
            eng += [f"{t[0]}-{t[1]}", f"{t[0]} {t[1]}", t[0] + t[1].lower()]
    return out + eng


def arabic_variants(name: str) -> list[str]:
    """The name without its article, with it hyphenated, and with it assimilated ("Al Dali" -> "Ad Dali")."""
    m = ARTICLE.match(name)
    if not m:
        return []
    rest = name[m.end():]
    first = fold(rest)
    out = [rest, f"Al {rest}", f"Al-{rest}", f"al-{rest}"]
    for prefix in sorted(SUN, key=len, reverse=True):
        if first.startswith(prefix):
            out += [f"{SUN[prefix]} {rest}", f"{SUN[prefix]}-{rest}"]
            break
    return out


def spelling_variants(name: str) -> list[str]:
    """Final -ah/-a, apostrophes dropped, hyphens as spaces and spaces as hyphens."""
    out = []
    plain = strip_marks(name)
    if plain != name:
        out.append(plain)
    for n in [name, plain]:
        if re.search(r"ah\b", n):
            out.append(re.sub(r"ah\b", "a", n))
        if "'" in n or "’" in n:
            out.append(re.sub(r"['’]", "", n))
        if "-" in n:
            out.append(n.replace("-", " "))
        if " " in n and len(n.split()) <= 3:
            out.append(n.replace(" ", "-"))
    return out


def strip_marks(name: str) -> str:
    """Scholarly transliteration marks off ("Ta‘izz" -> "Taizz", "Dar'ā" -> "Dar'a")."""
    text = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ʿ", "'").replace("ʾ", "'")


def _latin(name: str) -> bool:
    return all(ch.isascii() or ch.isalpha() and (ord(ch) < 0x250 or 0x1E00 <= ord(ch) < 0x1F00) or ch in "’‘ʿʾ"
               for ch in name)


def generated_names(sub, iso_names: list[str], geonames: list[str], seat: list[str], arabic: bool) -> list[str]:
    """Every name a report may write for one admin-1 unit, before filtering."""
    base = [sub.name]
    for n in iso_names:
        if _latin(n) and (len(n) >= 5 or " " in n):
            base.append(n)
    base += [GEONAMES_TYPE.sub("", g) for g in geonames] + [n for n in seat if len(n) >= 5]   # short exonyms: noise
    names = list(base)
    for n in base:
        names += compass_variants(n)
    if arabic:
        for n in list(names):
            names += arabic_variants(n)
    for n in list(names):
        names += spelling_variants(n)
    return names


def add_generated_names(entries: dict[str, dict], iso3166_2: Path) -> None:
    """Add generated names to every admin-1 unit's aliases; English words among them go to `exclude`."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_towns import read_iso_names

    iso = read_iso_names(iso3166_2)
    geonames: dict[str, list[str]] = {}
    admin1 = ROOT / "gazetteer" / "sources" / "geonames-admin1.tsv"
    with admin1.open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["iso"]:
                geonames.setdefault(r["iso"], []).append(r["geonames_name"])
    words = _words()
    countries = {fold(n) for c in pycountry.countries for n in pycountry_names(c.alpha_2)}
    units = admin1_subdivisions()
    by_country: dict[str, list] = {}
    for u in units:
        by_country.setdefault(u.country_code, []).append(u)
    for cc, subs in by_country.items():
        arabic = any(ARTICLE.match(u.name) and fold(u.name)[:2] == "al" for u in subs) or any(
            fold(g).startswith("al ") for u in subs for g in geonames.get(u.code, ()))
        seats = _seat_names(cc, subs, iso, geonames)
        own = {u.code: {fold(u.name)} for u in subs}
        cand: dict[str, list[str]] = {}
        for u in subs:
            e = entries.get(u.code, {})
            names = generated_names(u, iso.get(u.code, [])[1:], geonames.get(u.code, []), seats.get(u.code, []), arabic)
            names += [v for a in e.get("aliases", []) for v in spelling_variants(a)]
            cand[u.code] = names
        claims: dict[str, set[str]] = {}
        for code, names in cand.items():
            for n in names:
                claims.setdefault(fold(n), set()).add(code)
        for u in subs:
            e = entries.setdefault(u.code, {"code": u.code, "aliases": []})
            # the matcher sees hyphens as tokens, so "Al-Hasakah" and "Al Hasakah" are both kept
            seen = {_surface(a) for a in [u.name, *e["aliases"]]}
            exclude = [u.name] if _is_word(u.name, words) else []
            for n in cand[u.code]:
                k = fold(n)
                if _surface(n) in seen or len(k) < 3 or k in countries or claims[k] != {u.code} and not _is_own(k, u, own):
                    continue
                seen.add(_surface(n))
                e["aliases"].append(n)
                if _is_word(n, words):
                    exclude.append(n)
            for a in e["aliases"]:
                if _is_word(a, words) and a not in exclude:
                    exclude.append(a)
            if exclude:
                e["exclude"] = exclude
            label = _english_label(u, geonames.get(u.code, []), words)
            if label:
                e["label"] = label


def _english_label(unit, geonames: list[str], words: set[str]) -> str | None:
    """The GeoNames name (type words off) as the label where ISO 3166-2 writes the name with scholarly
    transliteration marks no English report uses (a scholarly "Al Ḩudaydah" -> "Al Hudaydah")."""
    if all(ord(ch) < 0x100 for ch in unit.name if ch.isalpha()) or len(geonames) != 1:
        return None
    name = GEONAMES_TYPE.sub("", geonames[0]).strip()
    return None if not name or _is_word(name, words) else name


def _surface(name: str) -> str:
    return strip_marks(name).casefold().replace("’", "'")


def _is_own(key: str, unit, own: dict[str, set[str]]) -> bool:
    return key in own[unit.code]


def _is_word(name: str, words: set[str]) -> bool:
    """One English word or stop word ("South", "Centre", "Littoral"): never matched alone."""
    toks = [fold(t) for t in _tokens(name)]
    return len(toks) == 1 and toks[0] in words


def _seat_names(cc: str, subs: list, iso: dict, geonames: dict) -> dict[str, list[str]]:
    """Per unit: the GeoNames spellings of the most populous town of the unit that bears one of its names."""
    path = ROOT / "gazetteer" / "towns" / f"{cc}.tsv"
    if not path.is_file():
        return {}
    wanted = {}
    for u in subs:
        ks = {fold(n) for n in [u.name, *iso.get(u.code, []), *(GEONAMES_TYPE.sub("", g) for g in geonames.get(u.code, []))]}
        ks |= {fold(v) for n in list(ks) for v in arabic_variants(n) + spelling_variants(n)}
        wanted[u.code] = ks
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):      # most populous first
            code = r["region"]
            if code in wanted and code not in out:
                names = [r["name"], *filter(None, r["aliases"].split("|"))]
                if any(fold(strip_marks(n)) in wanted[code] or fold(n) in wanted[code] for n in names):
                    out[code] = names
    return out


def render(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="reference identifiers.tsv")
    ap.add_argument("--check", action="store_true", help="fail if places.jsonl is not what would be generated")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--iso3166-2", type=Path, help="iso3166-2.json of the iso3166-2 package (generated names)")
    args = ap.parse_args()
    text = render(build(args.reference, args.verbose, args.iso3166_2))
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is out of date; run scripts/make_places.py")
        print(f"{OUT.relative_to(ROOT)} is up to date ({text.count(chr(10))} lines)")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
