"""bench/genmail.py: generated inquiry mail for leadroute's benchmarks
(bench/explain, bench/agent).

generate(n, seed, outdir, accounts) writes n varied inquiry emails of 2-20
KB into outdir as NNNNNN-KIND-CHARSET.eml: direct mail (plain text,
multipart/alternative with Outlook or Gmail HTML, replies quoting an earlier
answer, signatures, a few with attachments), web-form notifications (Contact
Form 7, Jotform-style and Gravity Forms HTML tables), partner introductions,
out-of-office replies, spam and vendor pitches; UTF-8 (8bit,
quoted-printable, base64), ISO-8859-1, windows-1252, KOI8-R and ISO-2022-JP,
with RFC 2047 headers. The same seed gives byte-identical files.

read_accounts(rules_file) reads the accounts file a rules file names;
account_pairs(rules_file) gives the [(domain, name)] that generate() uses
for existing-customer mail.

Python 3 standard library only.
"""

import base64
import csv
import html
import os
import quopri
import random
import sys
import textwrap
import time

MIN_SIZE = 2 * 1024
MAX_SIZE = 20 * 1024

# ---------------------------------------------------------------------------
# Content: countries, people, companies, sentences
# ---------------------------------------------------------------------------

# code, form names (English first), domain suffixes, phone prefix, Date
# offsets, language, cities
COUNTRIES = [
    ("GB", ["United Kingdom", "UK", "England", "Great Britain"], [".co.uk", ".com", ".uk"], "+44", ["+0000"], "en",
     ["London", "Leeds", "Manchester", "Bristol", "Edinburgh", "Birmingham"]),
    ("IE", ["Ireland"], [".ie", ".com"], "+353", ["+0000"], "en", ["Dublin", "Cork", "Galway"]),
    ("US", ["United States", "USA", "United States of America", "US"], [".com", ".us", ".io"], "+1",
     ["-0500", "-0600", "-0700", "-0800"], "en",
     ["New York", "Chicago", "Austin", "Denver", "Seattle", "Boston", "Atlanta"]),
    ("CA", ["Canada"], [".ca", ".com"], "+1", ["-0500", "-0800"], "en", ["Toronto", "Vancouver", "Montreal"]),
    ("AU", ["Australia"], [".com.au"], "+61", ["+1100", "+1000"], "en", ["Sydney", "Melbourne", "Brisbane"]),
    ("NZ", ["New Zealand"], [".co.nz"], "+64", ["+1300"], "en", ["Auckland", "Wellington"]),
    ("SG", ["Singapore"], [".com.sg", ".sg"], "+65", ["+0800"], "en", ["Singapore"]),
    ("IN", ["India"], [".in", ".co.in"], "+91", ["+0530"], "en", ["Bengaluru", "Pune", "Mumbai"]),
    ("ZA", ["South Africa"], [".co.za"], "+27", ["+0200"], "en", ["Cape Town", "Johannesburg"]),
    ("NL", ["Netherlands", "The Netherlands"], [".nl"], "+31", ["+0100"], "en", ["Amsterdam", "Utrecht", "Rotterdam"]),
    ("SE", ["Sweden"], [".se"], "+46", ["+0100"], "en", ["Stockholm", "Gothenburg", "Malmö"]),
    ("DK", ["Denmark"], [".dk"], "+45", ["+0100"], "en", ["Copenhagen", "Aarhus"]),
    ("DE", ["Germany", "Deutschland", "DE"], [".de"], "+49", ["+0100"], "de",
     ["Berlin", "Hamburg", "München", "Köln", "Stuttgart", "Düsseldorf", "Nürnberg"]),
    ("AT", ["Austria", "Österreich"], [".at", ".co.at"], "+43", ["+0100"], "de", ["Wien", "Graz", "Linz"]),
    ("CH", ["Switzerland", "Schweiz"], [".ch"], "+41", ["+0100"], "de", ["Zürich", "Basel", "Bern"]),
    ("FR", ["France"], [".fr"], "+33", ["+0100"], "fr", ["Paris", "Lyon", "Toulouse", "Nantes", "Lille"]),
    ("BE", ["Belgium", "Belgique"], [".be"], "+32", ["+0100"], "fr", ["Bruxelles", "Liège", "Namur"]),
    ("ES", ["Spain", "España"], [".es"], "+34", ["+0100"], "es", ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"]),
    ("MX", ["Mexico", "México"], [".com.mx", ".mx"], "+52", ["-0600"], "es", ["Ciudad de México", "Monterrey", "Guadalajara"]),
    ("AR", ["Argentina"], [".com.ar"], "+54", ["-0300"], "es", ["Buenos Aires", "Córdoba", "Rosario"]),
    ("RU", ["Russia", "Russian Federation"], [".ru"], "+7", ["+0300"], "ru", ["Москва", "Санкт-Петербург", "Казань"]),
    ("KZ", ["Kazakhstan"], [".kz"], "+7", ["+0500"], "ru", ["Алматы", "Астана"]),
    ("JP", ["Japan"], [".co.jp", ".jp"], "+81", ["+0900"], "ja", ["東京", "大阪", "名古屋", "福岡"]),
]
COUNTRY_WEIGHTS = {"GB": 14, "US": 16, "DE": 12, "FR": 7, "ES": 6, "IE": 3, "CA": 3, "AU": 4, "NZ": 1,
                   "SG": 2, "IN": 2, "ZA": 1, "NL": 3, "SE": 2, "DK": 1, "AT": 3, "CH": 2, "BE": 2,
                   "MX": 2, "AR": 1, "RU": 4, "KZ": 1, "JP": 5}

FREEMAIL = {
    "en": ["gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.com", "icloud.com", "aol.com"],
    "de": ["web.de", "gmx.de", "gmail.com", "t-online.de"],
    "fr": ["orange.fr", "free.fr", "gmail.com", "hotmail.fr"],
    "es": ["gmail.com", "hotmail.es", "yahoo.es"],
    "ru": ["yandex.ru", "mail.ru", "gmail.com"],
    "ja": ["yahoo.co.jp", "gmail.com"],
}

FIRST = {
    "en": ["James", "Olivia", "Priya", "Liam", "Grace", "Ethan", "Aisha", "Noah", "Chloe", "Daniel", "Mei", "Samuel",
           "Hannah", "Oliver", "Keisha", "Marcus", "Niamh", "Ravi", "Emily", "Connor", "Zoe", "Tariq", "Laura"],
    "de": ["Jonas", "Lena", "Jürgen", "Sabine", "Matthias", "Anja", "Tobias", "Katrin", "Stefan", "Jörg", "Birgit",
           "Lukas", "Sophie", "Uwe", "Claudia", "Florian", "Miriam", "Günter"],
    "fr": ["Camille", "Julien", "Amélie", "Théo", "Élodie", "Nicolas", "Hélène", "François", "Manon", "Sébastien",
           "Léa", "Jérôme", "Chloé"],
    "es": ["Lucía", "Javier", "María", "Álvaro", "Carmen", "Sergio", "Inés", "Andrés", "Paula", "José", "Begoña",
           "Íñigo"],
    "ru": ["Алексей", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Иван", "Наталья", "Андрей", "Татьяна"],
    "ja": ["太郎", "花子", "健一", "由美", "翔太", "美咲", "大輔", "恵子", "直樹", "千尋"],
}
LAST = {
    "en": ["Smith", "Osei", "Patel", "O'Brien", "Turner", "Nguyen", "Walsh", "Khan", "Morgan", "Fraser", "Okafor",
           "Hughes", "Bennett", "Kowalski", "Reid", "Lindqvist", "Chen", "Murphy", "Adeyemi", "Clarke"],
    "de": ["Becker", "Müller", "Schmidt", "Weiß", "Krüger", "Hoffmann", "Schäfer", "Wagner", "Böhm", "Lehmann",
           "Groß", "Fischer", "Köhler"],
    "fr": ["Dubois", "Lefèvre", "Moreau", "Girard", "Fournier", "Rousseau", "Lambert", "Bonnet", "Mercier",
           "Chevalier"],
    "es": ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz", "Núñez", "Ibáñez"],
    "ru": ["Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова", "Морозов"],
    "ja": ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"],
}
LATIN = {  # transliteration of names for addresses
    "Алексей": "aleksey", "Мария": "maria", "Дмитрий": "dmitry", "Елена": "elena", "Сергей": "sergey",
    "Ольга": "olga", "Иван": "ivan", "Наталья": "natalya", "Андрей": "andrey", "Татьяна": "tatyana",
    "Иванов": "ivanov", "Смирнова": "smirnova", "Кузнецов": "kuznetsov", "Попова": "popova",
    "Соколов": "sokolov", "Лебедева": "lebedeva", "Козлов": "kozlov", "Новикова": "novikova",
    "Морозов": "morozov",
    "太郎": "taro", "花子": "hanako", "健一": "kenichi", "由美": "yumi", "翔太": "shota", "美咲": "misaki",
    "大輔": "daisuke", "恵子": "keiko", "直樹": "naoki", "千尋": "chihiro", "佐藤": "sato", "鈴木": "suzuki",
    "高橋": "takahashi", "田中": "tanaka", "伊藤": "ito", "渡辺": "watanabe", "山本": "yamamoto",
    "中村": "nakamura", "小林": "kobayashi", "加藤": "kato",
}

CO_A = ["Harrow", "Bright", "Nord", "Kranz", "Silver", "Oak", "River", "Stone", "Green", "North", "Alder", "Castle",
        "Blue", "Iron", "Maple", "Summit", "Lake", "Cedar", "Falcon", "Granite", "Meridian", "Pioneer", "Atlas",
        "Beacon", "Crescent", "Harbor", "Juniper", "Keystone", "Lumen", "Orchard", "Quarry", "Sterling", "Tidal",
        "Vantage", "Willow", "Zenith", "Elbe", "Rhein", "Alpen", "Sol", "Luna", "Volga", "Fuji", "Sakura"]
CO_B = ["gate", "water", "field", "bridge", "point", "wood", "stone", "line", "way", "ridge", "view", "worth", "mark",
        "ford", "haven", "crest", "brook", "vale", "tech", "works", "data", "logic"]
CO_KIND = {
    "en": ["Homes", "Credit Union", "Logistics", "Foods", "Retail", "Healthcare", "Energy", "Insurance", "Group",
           "Manufacturing", "Engineering", "Property", "Financial", "Hotels", "Pharma", "Media"],
    "de": ["Logistik GmbH", "Maschinenbau AG", "Handel GmbH", "Versicherung AG", "Bau GmbH", "Pharma GmbH",
           "Energie AG", "Lebensmittel GmbH & Co. KG"],
    "fr": ["Distribution SAS", "Industrie SA", "Assurances", "Transports SARL", "Santé SAS", "Immobilier SA"],
    "es": ["Logística S.L.", "Distribución S.A.", "Seguros S.A.", "Construcciones S.L.", "Alimentación S.A."],
    "ru": ["Логистик", "Трейд", "Инвест", "Пром", "Строй"],
    "ja": ["物流株式会社", "商事株式会社", "工業株式会社", "食品株式会社"],
}
SECTOR = {
    "en": ["logistics", "retail", "healthcare", "manufacturing", "insurance", "property", "hospitality",
           "food distribution", "engineering", "financial services", "energy", "media"],
    "de": ["Logistikunternehmen", "Handelsunternehmen", "Maschinenbauer", "Versicherer", "Lebensmittelhersteller",
           "Bauunternehmen", "Energieversorger"],
    "fr": ["distribution", "logistique", "santé", "assurance", "immobilier", "agroalimentaire", "industrie"],
    "es": ["logística", "distribución", "seguros", "construcción", "alimentación", "hostelería"],
    "ru": ["логистическая", "торговая", "производственная", "страховая", "строительная"],
    "ja": ["物流会社", "専門商社", "製造業", "食品メーカー", "保険会社"],
}
SYSTEMS = ["SAP", "Dynamics 365", "NetSuite", "Salesforce", "HubSpot", "Sage", "Xero", "Oracle", "DATEV", "Odoo",
           "Workday", "a home-grown SQL Server database", "1C", "Shopify", "Navision", "Pipedrive"]
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "September", "October", "December"],
    "de": ["Januar", "Februar", "März", "April", "Juni", "September", "Oktober", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "juin", "septembre", "octobre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "junio", "septiembre", "octubre", "diciembre"],
    "ru": ["январе", "феврале", "марте", "апреле", "сентябре", "октябре"],
    "ja": ["1月", "2月", "3月", "4月", "9月", "10月"],
}
DEPTS = ["finance", "sales", "operations", "HR", "customer service", "procurement", "marketing"]

# Neutral paragraphs about the sender's business: the padding that makes a
# message 2-20 KB. They avoid the words the shipped rules look for.
PAD = {
    "en": [
        "We are a {sector} business with around {n} staff across {k} sites, headquartered in {city}.",
        "Most of our reporting today is done in Excel, with figures pulled by hand from {system} every month.",
        "Our finance team closes the month in about {d} working days, and the board pack is usually the last thing to be finished.",
        "Last year we moved to {system}, which went reasonably well, but the old reports were never rebuilt properly.",
        "We have two analysts and one developer who looks after the integrations part-time.",
        "The operations managers would like to see daily figures rather than waiting for the monthly summary.",
        "Our data currently lives in {system}, a few Access databases and a shared drive that nobody wants to touch.",
        "Management has asked us to come back with a plan and a rough cost before the end of {month}.",
        "We looked at a couple of other firms but would prefer a partner with experience in {sector}.",
        "If it helps, I can share a sample of our current reports and an overview of the systems involved.",
        "We are not in a rush to sign anything, but we would like to understand the options and the likely cost.",
        "Our IT department is small, so whatever we end up with has to be looked after by people who are not specialists.",
        "Please note that some of our data is personal data under GDPR, so it cannot leave the EU.",
        "I'm available most afternoons for a call; mornings are difficult because of our production meetings.",
        "We grew quickly over the last {k} years, mostly through acquisitions, and every company we bought came with its own systems.",
        "Our customers increasingly ask for regular performance reports, which we currently produce by hand.",
        "Ideally we'd start with one department, learn from it, and then roll out to the rest of the group.",
        "The {dept} team in particular spends a lot of time reconciling numbers between {system} and the spreadsheets.",
        "We have a Microsoft 365 licence and some experience with Power BI, but nothing in production yet.",
        "Our year end is in {month}, so the weeks around it are busy for everyone involved.",
        "Revenue last year was a little over {m} million, and we expect modest growth this year.",
        "About {p}% of our orders now come through the web shop, up from almost nothing five years ago.",
        "There are roughly {n} people who would use the reports regularly, most of them in {dept}.",
        "The numbers in {system} and in the monthly pack rarely agree, and nobody is quite sure why.",
        "We would need whatever we do to fit in with our existing Microsoft licences where possible.",
    ],
    "de": [
        "Wir sind ein {sector} mit rund {n} Mitarbeitenden an {k} Standorten, Hauptsitz in {city}.",
        "Unser Berichtswesen läuft heute größtenteils über Excel; die Zahlen werden monatlich von Hand aus {system} exportiert.",
        "Die Geschäftsführung möchte bis Ende {month} einen Vorschlag mit groben Kosten sehen.",
        "Unsere IT-Abteilung ist klein, deshalb muss alles, was entsteht, auch ohne Spezialwissen betreut werden können.",
        "Ein Teil unserer Daten unterliegt der DSGVO und darf die EU nicht verlassen.",
        "Im letzten Jahr haben wir auf {system} umgestellt; die alten Berichte wurden aber nie sauber nachgebaut.",
        "Für ein kurzes Telefonat bin ich meistens nachmittags erreichbar.",
        "Die Kollegen im Controlling verbringen viel Zeit damit, Zahlen zwischen den Systemen abzugleichen.",
        "Gerne schicke ich Ihnen vorab Beispiele unserer aktuellen Auswertungen.",
        "Wir sind in den letzten {k} Jahren vor allem durch Zukäufe gewachsen, und jede Firma brachte ihre eigenen Systeme mit.",
        "Unsere Kunden fragen zunehmend nach regelmäßigen Leistungsberichten, die wir derzeit mühsam manuell erstellen.",
        "Idealerweise beginnen wir mit einem Bereich und übertragen die Erfahrungen danach auf die übrigen Gesellschaften.",
        "Der Jahresabschluss steht im {month} an, die Wochen davor sind für alle Beteiligten sehr voll.",
        "Der Umsatz lag im letzten Jahr bei gut {m} Millionen Euro, für dieses Jahr erwarten wir ein leichtes Wachstum.",
        "Etwa {p} % unserer Bestellungen kommen inzwischen über den Onlineshop.",
        "Die Zahlen aus {system} und aus dem Monatsbericht stimmen selten überein, und niemand weiß genau, warum.",
    ],
    "fr": [
        "Nous sommes une entreprise de {sector} d'environ {n} salariés répartis sur {k} sites, avec un siège à {city}.",
        "Aujourd'hui, la plupart de nos rapports sont faits sous Excel à partir d'extractions manuelles de {system}.",
        "La direction souhaite recevoir une proposition chiffrée avant la fin du mois de {month}.",
        "Notre service informatique est réduit ; la solution devra donc rester simple à faire vivre.",
        "Une partie de nos données est soumise au RGPD et doit rester hébergée dans l'Union européenne.",
        "Je suis disponible la plupart des après-midi pour un échange téléphonique.",
        "Le contrôle de gestion passe beaucoup de temps à rapprocher les chiffres entre les différents outils.",
        "Nous pouvons vous transmettre des exemples de nos tableaux actuels si cela vous aide.",
        "Nous avons beaucoup grandi ces {k} dernières années, surtout par croissance externe, et chaque société rachetée avait ses propres outils.",
        "Le chiffre d'affaires de l'an dernier était d'un peu plus de {m} millions d'euros.",
        "Environ {p} % de nos commandes passent désormais par le site marchand.",
        "Les chiffres de {system} et ceux du reporting mensuel concordent rarement, sans que personne ne sache vraiment pourquoi.",
    ],
    "es": [
        "Somos una empresa de {sector} con unos {n} empleados en {k} sedes y oficina central en {city}.",
        "Hoy en día la mayoría de nuestros informes se preparan en Excel con datos exportados a mano desde {system}.",
        "La dirección nos ha pedido una propuesta con un presupuesto aproximado antes de {month}.",
        "Nuestro departamento de sistemas es pequeño, así que la solución tiene que ser fácil de mantener.",
        "Puedo enviarles ejemplos de nuestros informes actuales si les resulta útil.",
        "El equipo financiero dedica mucho tiempo a cuadrar cifras entre sistemas.",
        "Hemos crecido mucho en los últimos {k} años, sobre todo mediante adquisiciones, y cada empresa traía sus propios sistemas.",
        "La facturación del año pasado fue de algo más de {m} millones de euros.",
        "Alrededor del {p} % de los pedidos ya llega a través de la tienda online.",
        "Los datos de {system} y los del informe mensual casi nunca coinciden, y nadie sabe muy bien por qué.",
        "Estoy disponible casi todas las tardes para una llamada.",
    ],
    "ru": [
        "Мы {sector} компания, у нас около {n} сотрудников в {k} городах, головной офис в городе {city}.",
        "Сейчас почти вся отчетность готовится в Excel, данные выгружаются вручную из {system}.",
        "Руководство попросило подготовить предложение с примерной оценкой бюджета до конца месяца.",
        "Наш ИТ-отдел небольшой, поэтому решение должно быть простым в сопровождении.",
        "Финансовая служба тратит много времени на сверку цифр между разными системами.",
        "Могу заранее прислать примеры наших текущих отчетов.",
        "Мне удобнее созвониться во второй половине дня по московскому времени.",
        "За последние {k} лет мы выросли в основном за счет покупки других компаний, и у каждой были свои системы.",
        "Выручка в прошлом году составила чуть больше {m} миллионов рублей.",
        "Цифры в {system} и в ежемесячном отчете почти никогда не совпадают.",
    ],
    "ja": [
        "弊社は{city}に本社を置く{sector}で、従業員は約{n}名です。",
        "現在、レポートのほとんどはExcelで作成しており、{system}から毎月手作業でデータを抽出しています。",
        "経営陣からは概算の費用を含めた提案を求められています。",
        "社内のIT部門は小規模なため、運用しやすい仕組みが望ましいと考えております。",
        "経理部門ではシステム間の数値の突き合わせに多くの時間を費やしています。",
        "必要であれば、現在のレポートのサンプルを事前にお送りいたします。",
        "ご都合のよい日時をいくつかお知らせいただけますと幸いです。",
        "ここ{k}年ほどで買収により事業が拡大し、各社がそれぞれ異なるシステムを使っています。",
        "{system}の数値と月次報告の数値が一致しないことが多く、原因が分かっておりません。",
    ],
}

# The sentence that says what the lead wants, per offer.
ASK = {
    "en": {
        "audit": ["We are looking for an independent audit of our reporting and data model.",
                  "Could you do a health check of our current BI setup before we invest further?",
                  "We would like a second opinion on the data architecture our previous supplier designed.",
                  "What would an assessment of our data quality involve, and how long would it take?"],
        "build": ["We need a small data warehouse and a set of dashboards for management.",
                  "We want to replace our manual Excel reports with proper dashboards.",
                  "We'd like help building data pipelines from our CRM and ERP into one place.",
                  "Could you build a data platform that brings sales and finance data together?"],
        "training": ["We would like a Power BI training for about {n} analysts.",
                     "Do you run SQL workshops for beginners?",
                     "We are interested in a data literacy course for our managers.",
                     "Could you put together a two-day training for our {dept} team?"],
        "support": ["We are looking for ongoing support for the reports your colleagues built last year.",
                    "Do you offer a support retainer with an SLA for our existing reports?",
                    "We need someone to take over maintenance of our reporting database.",
                    "Could we discuss a support contract for our Power BI environment?"],
        "none": ["We would like to discuss how you could help us make better use of our data.",
                 "Could you tell us more about what you do and how you usually work with clients?"],
    },
    "de": {
        "audit": ["Wir suchen eine unabhängige Bestandsaufnahme unseres Berichtswesens.",
                  "Könnten Sie ein Audit unserer BI-Landschaft durchführen?"],
        "build": ["Wir möchten ein Data Warehouse mit Dashboards für die Geschäftsleitung aufbauen.",
                  "Wir brauchen Unterstützung beim Aufbau von Pipelines aus unserem CRM."],
        "training": ["Wir interessieren uns für eine Schulung zu Power BI für etwa {n} Kolleginnen und Kollegen.",
                     "Bieten Sie Schulungen zu SQL für Einsteiger an?"],
        "support": ["Wir suchen einen Partner für Betrieb und Maintenance unserer Berichte mit einem klaren SLA.",
                    "Für unsere bestehende Lösung suchen wir einen Retainer für laufende Betreuung."],
        "none": ["Wir würden gerne besprechen, wie Sie uns helfen könnten, mehr aus unseren Daten zu machen."],
    },
    "fr": {
        "audit": ["Nous souhaitons réaliser un état des lieux de notre système de reporting.",
                  "Pourriez-vous mener un audit de notre modèle de données ?"],
        "build": ["Nous voulons mettre en place un entrepôt de données et des dashboards pour la direction."],
        "training": ["Nous cherchons une formation Power BI pour une dizaine d'analystes.",
                     "Proposez-vous des formations SQL pour débutants ?"],
        "support": ["Nous recherchons un contrat de maintenance avec SLA pour nos rapports existants."],
        "none": ["Nous aimerions échanger sur la manière dont vous pourriez nous aider à mieux exploiter nos données."],
    },
    "es": {
        "audit": ["Buscamos un audit independiente de nuestros informes y de nuestro modelo de datos.",
                  "¿Podrían hacer un health check de nuestra plataforma actual?"],
        "build": ["Queremos construir un data warehouse y varios dashboards para la dirección."],
        "training": ["Nos interesa un workshop de Power BI para unas {n} personas.",
                     "¿Ofrecen formación (training) en SQL para principiantes?"],
        "support": ["Necesitamos soporte continuo con un SLA para nuestros informes actuales."],
        "none": ["Nos gustaría hablar sobre cómo podrían ayudarnos a aprovechar mejor nuestros datos."],
    },
    "ru": {
        "audit": ["Нам нужен независимый аудит текущей BI-системы (audit).",
                  "Хотели бы получить assessment качества наших данных."],
        "build": ["Мы хотим построить хранилище данных и набор dashboards для руководства."],
        "training": ["Интересует обучение Power BI (training) для {n} аналитиков."],
        "support": ["Ищем подрядчика на постоянную поддержку (ongoing support) с SLA."],
        "none": ["Хотели бы обсудить, чем вы могли бы нам помочь."],
    },
    "ja": {
        "audit": ["現在のBI環境について、第三者の視点での assessment をお願いできないでしょうか。"],
        "build": ["経営陣向けの dashboards とデータウェアハウスの構築を検討しております。"],
        "training": ["分析担当者{n}名向けに Power BI の training をお願いしたいと考えております。"],
        "support": ["既存のレポートについて、SLA 付きの ongoing support をご相談できればと思います。"],
        "none": ["データ活用についてご相談させていただけますでしょうか。"],
    },
}
URGENT = {"en": "It's fairly urgent: our month-end reporting broke after the migration, so as soon as possible please.",
          "de": "Die Sache ist dringend, da unser Reporting seit der Migration nicht mehr funktioniert.",
          "fr": "C'est assez urgent (urgent) : notre reporting ne fonctionne plus depuis la migration.",
          "es": "Es bastante urgente (urgent), el reporting dejó de funcionar tras la migración.",
          "ru": "Вопрос срочный (urgent): после миграции отчетность не работает.",
          "ja": "大変恐縮ですが、至急（ASAP）ご対応いただけますと助かります。"}
LATER = {"en": "This is for next year's budget, so there is no rush at all.",
         "de": "Das Thema ist für das Budget im nächsten Jahr gedacht (next year), also ohne Eile.",
         "fr": "Nous sommes au tout début de la réflexion (early stages), rien ne presse.",
         "es": "Estamos en las primeras fases (early stages), no hay prisa.",
         "ru": "Мы пока на ранней стадии (early stages), сроки не горят.",
         "ja": "まだ検討の初期段階（early stages）ですので、急ぎではございません。"}
REFERRAL = {"en": "Your firm was recommended to us by {name} at {company}.",
            "de": "Sie wurden uns von {name} empfohlen.",
            "fr": "Votre cabinet nous a été recommandé par {name}.",
            "es": "Nos recommended your team {name}, de {company}.",
            "ru": "Вас нам рекомендовал(а) {name} (referred by a partner).",
            "ja": "{name}様よりご紹介（referral）いただきました。"}
GREET = {"en": ["Hello,", "Hi there,", "Dear Northwind team,", "Good morning,", "Hi,"],
         "de": ["Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo zusammen,"],
         "fr": ["Bonjour,", "Madame, Monsieur,"],
         "es": ["Hola,", "Buenos días,", "Estimados señores:"],
         "ru": ["Здравствуйте!", "Добрый день!"],
         "ja": ["ノースウィンド・アナリティクス ご担当者様", "お世話になっております。"]}
CLOSE = {"en": ["Best regards,", "Kind regards,", "Thanks,", "Many thanks,", "Cheers,"],
         "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße"],
         "fr": ["Cordialement,", "Bien à vous,", "Bien cordialement,"],
         "es": ["Un saludo,", "Saludos cordiales,", "Atentamente,"],
         "ru": ["С уважением,", "Спасибо,"],
         "ja": ["何卒よろしくお願い申し上げます。", "よろしくお願いいたします。"]}
TITLES = {"en": ["Head of Finance", "Operations Director", "Finance Manager", "CFO", "IT Manager", "Managing Director",
                 "Business Analyst", "Head of Sales Operations"],
          "de": ["Leiter Controlling", "Geschäftsführer", "Kaufmännische Leiterin", "IT-Leiter", "Teamleiterin Finanzen"],
          "fr": ["Directeur financier", "Responsable contrôle de gestion", "DSI", "Directrice des opérations"],
          "es": ["Director Financiero", "Responsable de Sistemas", "Directora de Operaciones"],
          "ru": ["Финансовый директор", "Руководитель отдела ИТ", "Главный бухгалтер"],
          "ja": ["経営企画部 部長", "情報システム部 課長", "経理部"]}
SUBJECT = {
    "en": {"audit": ["Audit of our reporting", "Health check of our BI", "Request: reporting assessment",
                     "Second opinion on our data model"],
           "build": ["Dashboards for our management team", "Data warehouse project", "Inquiry: reporting platform"],
           "training": ["Power BI training for our team", "SQL workshop", "Training inquiry"],
           "support": ["Support for our existing reports", "Ongoing support", "Support contract"],
           "none": ["Inquiry", "Question about your services", "Your services", "Getting in touch"]},
    "de": {"audit": ["Bestandsaufnahme Berichtswesen", "Anfrage Audit BI"], "build": ["Anfrage Data Warehouse",
           "Dashboards für die Geschäftsführung"], "training": ["Anfrage Schulung Power BI", "SQL-Schulung"],
           "support": ["Betreuung unserer Berichte", "Anfrage Wartung"], "none": ["Anfrage", "Ihre Leistungen"]},
    "fr": {"audit": ["Demande d'audit", "État des lieux reporting"], "build": ["Projet entrepôt de données"],
           "training": ["Demande de formation Power BI"], "support": ["Contrat de maintenance"],
           "none": ["Demande d'information", "Prise de contact"]},
    "es": {"audit": ["Solicitud de auditoría", "Revisión de informes"], "build": ["Proyecto data warehouse"],
           "training": ["Formación Power BI"], "support": ["Soporte de informes"],
           "none": ["Consulta", "Información sobre sus servicios"]},
    "ru": {"audit": ["Запрос: аудит отчетности"], "build": ["Проект хранилища данных"],
           "training": ["Обучение Power BI"], "support": ["Поддержка отчетов"], "none": ["Запрос", "Вопрос"]},
    "ja": {"audit": ["BI環境の診断について"], "build": ["ダッシュボード構築のご相談"],
           "training": ["Power BI 研修のお問い合わせ"], "support": ["保守サポートのご相談"],
           "none": ["お問い合わせ", "ご相談"]},
}

# Northwind's earlier answer, quoted in replies: it names every offer, which
# quote stripping must keep out of the lead's text.
EARLIER = ("Thanks for getting in touch. We usually start with a short audit of the current reports, then "
           "agree which dashboards and data pipelines to build first. We also run workshops for the people "
           "who will use the reports, and offer ongoing support once things are live. Could you tell us a "
           "little more about your systems and the number of people involved?")

FORM_SERVICE = {"audit": ["Data audit", "Reporting health check"], "build": ["Dashboards & data platform",
                "Data warehouse"], "training": ["Training"], "support": ["Ongoing support"],
                "none": ["Other", "Not sure yet"]}
FORM_TIMELINE = ["As soon as possible", "This quarter", "Next quarter", "Next year", "Just researching"]
EMPLOYEES = ["1-9", "10-49", "50-199", "200-500", "500-1000", "1000+", "5", "around 80", "250", "2,000+"]
BUDGETS = ["$5k", "$12,000", "€20,000", "£40k", "< 5000", "50k-100k", "Not sure yet", "€8k", "$75,000",
           "£3,500", "100000"]
HEARD = ["Google search", "LinkedIn", "Referral", "Conference", "Newsletter", "Other"]

PARTNERS = ["adatum.example", "cpandl.example"]
TARGETS = ["trey-research.example", "humongous-insurance.example", "alpine-ski-house.example",
           "consolidated-messenger.example"]


# ---------------------------------------------------------------------------
# MIME helpers
# ---------------------------------------------------------------------------

def is_ascii(s):
    return all(ord(c) < 128 for c in s)


def header_words(text, charset):
    """RFC 2047 encoded words for text (B encoding), folded."""
    if is_ascii(text):
        return text
    cs = "utf-8" if charset in ("us-ascii",) else charset
    words, chunk = [], ""
    for ch in text:
        trial = chunk + ch
        try:
            raw = trial.encode(py_codec(cs))
        except UnicodeEncodeError:
            cs = "utf-8"
            return header_words(text, "utf-8")
        if len(base64.b64encode(raw)) > 45 and chunk:
            words.append(chunk)
            chunk = ch
        else:
            chunk = trial
    if chunk:
        words.append(chunk)
    return "\n ".join("=?%s?B?%s?=" % (cs.upper() if cs == "iso-2022-jp" else cs,
                                      base64.b64encode(w.encode(py_codec(cs))).decode()) for w in words)


def py_codec(charset):
    return {"iso-2022-jp": "iso2022_jp", "windows-1252": "cp1252", "koi8-r": "koi8_r",
            "iso-8859-1": "latin-1", "us-ascii": "ascii"}.get(charset, charset)


def encode_body(text, charset, cte, html_part=False):
    """Bytes of a body part in charset and transfer encoding cte."""
    raw = text.encode(py_codec(charset), errors="xmlcharrefreplace" if html_part else "replace")
    if cte == "base64":
        return base64.encodebytes(raw)
    if cte == "quoted-printable":
        return quopri.encodestring(raw)
    return raw if raw.endswith(b"\n") else raw + b"\n"


def wrap(paragraph, lang, width=72):
    if lang == "ja":
        return "\n".join(textwrap.wrap(paragraph, 36, break_long_words=True)) or paragraph
    return textwrap.fill(paragraph, width, break_on_hyphens=False)


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

KINDS = [  # kind, weight (percent)
    ("plain", 22), ("alt", 17), ("reply", 12), ("attach", 4), ("cf7", 15), ("jotform", 11), ("gravity", 10),
    ("partner", 2), ("customer", 3), ("autoreply", 2), ("spam", 1), ("pitch", 1)]


class Generator:
    def __init__(self, seed, accounts):
        self.r = random.Random(seed)
        self.accounts = accounts          # [(domain, name)] from accounts.csv
        self.domains = set()              # every domain a message uses
        self.countries = [c for c in COUNTRIES]
        self.cweights = [COUNTRY_WEIGHTS[c[0]] for c in COUNTRIES]
        self.serial = 0

    # --- small pieces -------------------------------------------------------
    def pick(self, seq):
        return self.r.choice(seq)

    def hexid(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def fill(self, tmpl, ctx):
        return tmpl.format(**ctx)

    def ctx(self, lead):
        r = self.r
        lang = lead["lang"]
        return {"sector": self.pick(SECTOR[lang]), "n": r.choice([8, 12, 15, 25, 40, 60, 120, 250, 400, 900]),
                "k": r.randint(2, 9), "d": r.randint(4, 12), "city": self.pick(lead["cities"]),
                "system": self.pick(SYSTEMS), "month": self.pick(MONTHS[lang]), "dept": self.pick(DEPTS),
                "m": r.randint(3, 400), "p": r.randint(5, 60), "name": self.person_name(lang),
                "company": self.company_name(lang)}

    def person_name(self, lang):
        f, l = self.pick(FIRST[lang]), self.pick(LAST[lang])
        return l + " " + f if lang == "ja" else f + " " + l

    def company_name(self, lang):
        base = self.pick(CO_A) + self.pick(CO_B)
        if lang == "ru":
            return base + " " + self.pick(CO_KIND["ru"])
        if lang == "ja":
            return base + self.pick(CO_KIND["ja"])
        return base + " " + self.pick(CO_KIND[lang])

    def paragraph(self, lead, rng=None):
        """A padding paragraph, drawn from rng (default self.r)."""
        if rng is not None:
            saved, self.r = self.r, rng
            try:
                return self.paragraph(lead)
            finally:
                self.r = saved
        lang = lead["lang"]
        c = self.ctx(lead)
        n = self.r.randint(2, 5)
        sents = [self.fill(t, c) for t in self.r.sample(PAD[lang], min(n, len(PAD[lang])))]
        if lang == "en" and self.r.random() < 0.3:
            sents.append(self.fill(self.pick(PAD["en"]), c))
        sep = "" if lang == "ja" else " "
        return sep.join(sents)

    def date(self, lead):
        r = self.r
        day = r.randint(2, 23)
        dow = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(day - 2) % 7]  # 2026-11-02 is a Monday
        return "%s, %d Nov 2026 %02d:%02d:%02d %s" % (dow, day, r.randint(6, 21), r.randint(0, 59),
                                                      r.randint(0, 59), lead["tz"])

    # --- the lead -----------------------------------------------------------
    def lead(self, kind):
        r = self.r
        c = r.choices(self.countries, self.cweights)[0]
        code, cnames, tlds, phone_cc, tzs, lang, cities = c
        first, last = self.pick(FIRST[lang]), self.pick(LAST[lang])
        name = last + " " + first if lang == "ja" else first + " " + last
        company = self.company_name(lang)
        roll = r.random()
        if kind == "customer" and self.accounts:
            domain, company = self.pick(self.accounts)
        elif roll < 0.12:
            domain = self.pick(FREEMAIL[lang])
        elif roll < 0.14:
            domain = self.pick(TARGETS)
        else:
            base = (self.pick(CO_A) + self.pick(CO_B)).lower()
            if r.random() < 0.3:
                base += "-" + self.pick(["group", "data", "hq", "uk", "online", "co", "digital", "gmbh"])
            domain = base + self.pick(tlds + [".com", ".example"] if r.random() < 0.2 else tlds)
        self.domains.add(domain)
        ascii_first = LATIN.get(first, first)
        ascii_last = LATIN.get(last, last)
        local = self.pick(["{f}.{l}", "{f0}.{l}", "{f}", "{f0}{l}", "{l}"]).format(
            f=ascii_first, l=ascii_last, f0=ascii_first[0])
        local = local.lower().replace(" ", "").replace("'", "")
        local = local.translate(str.maketrans("äöüßéèêáíóúñçëïàâôîû", "aouseeeaiounceiaaoiu"))
        local = "".join(ch for ch in local if ch.isascii())
        phone = "%s %d %03d %04d" % (phone_cc, r.randint(10, 999), r.randint(0, 999), r.randint(0, 9999))
        offer = r.choices(["audit", "build", "training", "support", "none"], [30, 27, 20, 13, 10])[0]
        if r.random() < 0.07:   # asks for two things
            offer2 = self.pick(["audit", "build", "training", "support"])
        else:
            offer2 = None
        return {"code": code, "cname": cnames[0] if r.random() < 0.7 else self.pick(cnames), "lang": lang,
                "cities": cities, "tz": self.pick(tzs), "name": name, "first": first, "email": local + "@" + domain,
                "domain": domain, "company": company, "phone": phone, "offer": offer, "offer2": offer2,
                "urgency": r.choices([None, "urgent", "later"], [80, 10, 10])[0], "referral": r.random() < 0.05,
                "title": self.pick(TITLES[lang])}

    def charset_for(self, lang, kind):
        r = self.r
        if kind in ("jotform", "gravity", "cf7"):
            if lang in ("de", "fr", "es", "en") and kind == "cf7" and r.random() < 0.15:
                return "iso-8859-1", "quoted-printable"
            return "utf-8", (r.choice(["8bit", "quoted-printable", "base64"]) if kind == "cf7"
                             else r.choice(["base64", "quoted-printable"]))
        if lang == "ja":
            if kind in ("alt",) or r.random() < 0.4:
                return "utf-8", "base64"
            return "iso-2022-jp", "7bit"
        if lang == "ru":
            if r.random() < 0.5:
                return "koi8-r", r.choice(["8bit", "base64"])
            return "utf-8", r.choice(["8bit", "base64", "quoted-printable"])
        x = r.random()
        if lang == "en":
            if x < 0.6:
                return "utf-8", r.choice(["8bit", "quoted-printable", "base64"])
            if x < 0.85:
                return "windows-1252", r.choice(["quoted-printable", "8bit"])
            return "iso-8859-1", "quoted-printable"
        if x < 0.5:
            return "utf-8", r.choice(["8bit", "quoted-printable", "base64"])
        if x < 0.8:
            return "iso-8859-1", r.choice(["quoted-printable", "quoted-printable", "8bit"])
        return "windows-1252", r.choice(["quoted-printable", "8bit"])

    def ask_lines(self, lead):
        lang = lead["lang"]
        c = self.ctx(lead)
        out = [self.fill(self.pick(ASK[lang][lead["offer"]]), c)]
        if lead["offer2"] and lead["offer2"] != lead["offer"]:
            out.append(self.fill(self.pick(ASK[lang][lead["offer2"]]), c))
        if lead["urgency"] == "urgent":
            out.append(URGENT[lang])
        elif lead["urgency"] == "later":
            out.append(LATER[lang])
        if lead["referral"]:
            out.append(self.fill(REFERRAL[lang], c))
        return out

    def signature(self, lead):
        parts = ["-- ", lead["name"], lead["title"], lead["company"], "Tel. " + lead["phone"]]
        if not lead["domain"] in sum(FREEMAIL.values(), []):
            parts.append("https://www." + lead["domain"])
        return "\n".join(parts)

    # --- headers ------------------------------------------------------------
    def headers(self, lead, subject, charset, from_name, from_addr, reply_to=None, extra=()):
        r = self.r
        relay = from_addr.split("@")[1]
        h = ["Return-Path: <%s>" % from_addr,
             "Received: from mail-%s.%s (mail-%s.%s [%d.%d.%d.%d])\n\tby mx.northwind.example (Postfix) with ESMTPS "
             "id %s\n\tfor <hello@northwind.example>; %s" % (
                 self.hexid(4), relay, self.hexid(4), relay, r.randint(11, 220), r.randint(0, 255),
                 r.randint(0, 255), r.randint(1, 254), self.hexid(11).upper(), self.date(lead))]
        if r.random() < 0.5:
            h.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s1;\n\th=from:to:subject:date:"
                     "message-id; bh=%s;\n\tb=%s" % (relay, base64.b64encode(r.randbytes(32)).decode(),
                                                       "\n\t ".join(textwrap.wrap(
                                                           base64.b64encode(r.randbytes(256)).decode(), 70))))
        h.append("Date: " + self.date(lead))
        h.append("From: %s <%s>" % (header_words(from_name, charset) if not is_ascii(from_name)
                                    else '"%s"' % from_name, from_addr))
        h.append("To: Northwind Analytics <hello@northwind.example>")
        if reply_to:
            h.append("Reply-To: %s <%s>" % (header_words(reply_to[0], charset) if not is_ascii(reply_to[0])
                                            else '"%s"' % reply_to[0], reply_to[1]))
        h.append("Subject: " + header_words(subject, charset))
        self.serial += 1
        h.append("Message-ID: <%s.%d@%s>" % (self.hexid(16), self.serial, relay))
        h.extend(extra)
        h.append("MIME-Version: 1.0")
        return "\n".join(h) + "\n"

    def mailer(self):
        return self.pick(["X-Mailer: Microsoft Outlook 16.0", "User-Agent: Mozilla Thunderbird",
                          "X-Mailer: Apple Mail (2.3774.300.61.1.2)", "X-Mailer: iPhone Mail (21G93)", None, None])

    # --- bodies -------------------------------------------------------------
    def text_body(self, lead, pad, quoted=None, sig=True):
        lang = lead["lang"]
        parts = [self.pick(GREET[lang])]
        ask = self.ask_lines(lead)
        parts.append(wrap((" " if lang != "ja" else "").join(ask), lang))
        for p in pad:
            parts.append(wrap(p, lang))
        parts.append(self.pick(CLOSE[lang]) + "\n" + lead["first"])
        text = "\n\n".join(parts)
        if sig:
            text += "\n\n" + self.signature(lead)
        if quoted is not None:
            text += "\n\n" + quoted
        return text + "\n"

    def quoted(self, lead, style):
        q = EARLIER + "\n\n" + "Helen Marsh\nNorthwind Analytics"
        lines = wrap(q, "en").split("\n")
        if style == "outlook":
            return ("-----Original Message-----\nFrom: Helen Marsh <helen.marsh@northwind.example>\n"
                    "Sent: Monday, 16 November 2026 10:12\nTo: %s\nSubject: Re: Your inquiry\n\n%s" % (
                        lead["email"], "\n".join(lines)))
        intro = {"de": "Am 16.11.2026 um 10:12 schrieb Helen Marsh <helen.marsh@northwind.example>:",
                 "fr": "Le lun. 16 nov. 2026 à 10:12, Helen Marsh <helen.marsh@northwind.example> a écrit :",
                 "es": "El lun, 16 nov 2026 a las 10:12, Helen Marsh (<helen.marsh@northwind.example>) escribió:"}
        return intro.get(lead["lang"], "On Mon, 16 Nov 2026 at 10:12, Helen Marsh "
                                       "<helen.marsh@northwind.example> wrote:") + "\n" + \
            "\n".join("> " + l for l in lines)

    def html_body(self, text, lead, style):
        paras = text.split("\n\n")
        if style == "outlook":
            body = "".join('<p class="MsoNormal">%s<o:p></o:p></p>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
                           % html.escape(p).replace("\n", "<br>\n") for p in paras)
            return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
                    'xmlns:w="urn:schemas-microsoft-com:office:word">\n<head>\n<meta http-equiv="Content-Type" '
                    'content="text/html; charset=%s">\n<meta name="Generator" content="Microsoft Word 15 '
                    '(filtered medium)">\n<style><!--\n@font-face {font-family:"Cambria Math";}\n@font-face '
                    '{font-family:Calibri;}\np.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm;font-size:11.0pt;'
                    'font-family:"Calibri",sans-serif;}\na:link, span.MsoHyperlink {color:#0563C1;text-decoration:'
                    'underline;}\nspan.EmailStyle17 {font-family:"Calibri",sans-serif;color:windowtext;}\n'
                    '.MsoChpDefault {font-family:"Calibri",sans-serif;}\n@page WordSection1 {size:612.0pt 792.0pt;'
                    'margin:72.0pt 72.0pt 72.0pt 72.0pt;}\ndiv.WordSection1 {page:WordSection1;}\n--></style>\n'
                    '</head>\n<body lang="EN-GB" link="#0563C1" vlink="#954F72">\n<div class="WordSection1">\n%s'
                    '</div>\n</body>\n</html>\n' % ("%s", body))
        body = "".join("<div>%s</div><div><br></div>\n" % html.escape(p).replace("\n", "<br>\n") for p in paras)
        return '<div dir="ltr">\n%s</div>\n' % body

    # --- message kinds ------------------------------------------------------
    def build(self, kind, lead, pad):
        """The whole message as bytes, with the padding paragraphs pad."""
        m = getattr(self, "m_" + kind)
        return m(lead, pad)

    def subject(self, lead):
        return self.pick(SUBJECT[lead["lang"]][lead["offer"]])

    def m_plain(self, lead, pad, quoted=None):
        cs, cte = lead["cs"]
        text = self.text_body(lead, pad, quoted, sig=lead["sig"])
        if cs == "windows-1252":
            text = text.replace("'", "\u2019")
        extra = [x for x in [lead["mailer"]] if x]
        if lead["lang"] != "en" and self.r.random() < 0.5:
            extra.append("Content-Language: " + {"de": "de-DE", "fr": "fr-FR", "es": "es-ES", "ru": "ru-RU",
                                                 "ja": "ja-JP"}[lead["lang"]])
        h = self.headers(lead, lead["subject"], cs, lead["name"], lead["email"], extra=extra)
        h += "Content-Type: text/plain; charset=%s%s\nContent-Transfer-Encoding: %s\n\n" % (
            cs, "; format=flowed" if lead["flowed"] else "", cte)
        return h.encode("ascii") + encode_body(text, cs, cte)

    def m_reply(self, lead, pad):
        style = lead["qstyle"]
        lead = dict(lead, subject="Re: " + lead["subject"])
        q = self.quoted(lead, style)
        # the quoted original carries some padding too
        qp = "\n".join("> " + l for l in wrap(self.paragraph(lead), lead["lang"]).split("\n"))
        if style != "outlook":
            q = q + "\n>\n" + qp
        else:
            q = q + "\n\n" + qp[2:].replace("\n> ", "\n")
        if lead["alt"]:
            return self.m_alt(lead, pad, quoted=q)
        return self.m_plain(lead, pad, quoted=q)

    def multipart(self, parts, subtype):
        b = "----=_Part_%s" % self.hexid(20)
        out = [b"This is a multi-part message in MIME format.\n"]
        for headers, body in parts:
            out.append(("\n--%s\n%s\n" % (b, headers)).encode("ascii"))
            out.append(body)
        out.append(("\n--%s--\n" % b).encode("ascii"))
        return "Content-Type: multipart/%s;\n\tboundary=\"%s\"\n\n" % (subtype, b), b"".join(out)

    def m_alt(self, lead, pad, quoted=None):
        cs, cte = lead["cs"]
        text = self.text_body(lead, pad, quoted, sig=lead["sig"])
        if cs == "windows-1252":
            text = text.replace("'", "\u2019")
        style = lead["hstyle"]
        hbody = self.html_body(text, lead, style)
        if style == "outlook":
            hbody = hbody.replace('charset=%s', 'charset=' + cs)
        hcte = "quoted-printable" if cte != "base64" else "base64"
        tcte = cte if cte != "7bit" else "7bit"
        parts = [("Content-Type: text/plain; charset=\"%s\"\nContent-Transfer-Encoding: %s\n" % (cs, tcte),
                  encode_body(text, cs, tcte)),
                 ("Content-Type: text/html; charset=\"%s\"\nContent-Transfer-Encoding: %s\n" % (cs, hcte),
                  encode_body(hbody, cs, hcte, html_part=True))]
        ct, body = self.multipart(parts, "alternative")
        extra = [x for x in [lead["mailer"]] if x]
        h = self.headers(lead, lead["subject"], cs, lead["name"], lead["email"], extra=extra)
        return h.encode("ascii") + ct.encode("ascii") + body

    def m_attach(self, lead, pad):
        cs, cte = lead["cs"]
        text = self.text_body(lead, pad, sig=lead["sig"])
        att = self.r.randbytes(self.r.randint(600, 3000))
        fname = self.pick(["current-report.pdf", "org-chart.pdf", "KPI list.xlsx", "requirements.docx"])
        parts = [("Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n" % (cs, cte),
                  encode_body(text, cs, cte)),
                 ("Content-Type: application/octet-stream; name=\"%s\"\nContent-Disposition: attachment; "
                  "filename=\"%s\"\nContent-Transfer-Encoding: base64\n" % (fname, fname),
                  base64.encodebytes(att))]
        ct, body = self.multipart(parts, "mixed")
        h = self.headers(lead, lead["subject"], cs, lead["name"], lead["email"])
        return h.encode("ascii") + ct.encode("ascii") + body

    def m_customer(self, lead, pad):
        return self.m_plain(lead, pad)

    def m_partner(self, lead, pad):
        pdom = self.pick(PARTNERS)
        pname = self.pick(FIRST["en"]) + " " + self.pick(LAST["en"])
        paddr = pname.split()[0].lower() + "@" + pdom
        cs, cte = lead["cs"]
        intro = ("Hi Helen,\n\nI'd like to introduce %s (%s) of %s, copied here. %s\n\n%s\n\nI'll let you two take "
                 "it from here.\n\nBest,\n%s\nA. Datum Consulting\n" % (
                     lead["name"], lead["email"], lead["company"], " ".join(self.ask_lines(lead)),
                     "\n\n".join(wrap(p, lead["lang"]) for p in pad), pname.split()[0]))
        h = self.headers(lead, "Introduction: %s / Northwind" % lead["company"], cs, pname, paddr,
                         extra=["Cc: %s <%s>" % (header_words(lead["name"], cs), lead["email"])])
        h += "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n" % (cs, cte)
        return h.encode("ascii") + encode_body(intro, cs, cte)

    def m_autoreply(self, lead, pad):
        cs, cte = lead["cs"]
        text = ("Thank you for your email. I am out of the office until 30 November with limited access to email. "
                "For the audit project please contact my colleague.\n\n" +
                "\n\n".join(wrap(p, lead["lang"]) for p in pad) + "\n")
        h = self.headers(lead, "Automatic reply: " + lead["subject"], cs, lead["name"], lead["email"],
                         extra=["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"])
        h += "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n" % (cs, cte)
        return h.encode("ascii") + encode_body(text, cs, cte)

    def m_spam(self, lead, pad):
        cs, cte = lead["cs"]
        text = ("Dear Sir/Madam,\n\nWe offer guaranteed first page ranking and high quality backlinks. "
                "Reply for our price list.\n\n" + "\n\n".join(wrap(p, lead["lang"]) for p in pad) + "\n")
        extra = ["X-Spam-Flag: YES", "X-Spam-Status: Yes, score=9.1 required=5.0"] if self.r.random() < 0.5 \
            else ["X-Mailer: lemlist"]
        h = self.headers(lead, "Quick question", cs, lead["name"], lead["email"], extra=extra)
        h += "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n" % (cs, cte)
        return h.encode("ascii") + encode_body(text, cs, cte)

    def m_pitch(self, lead, pad):
        cs, cte = lead["cs"]
        text = ("Hello,\n\nWe provide lead generation services and SEO packages for consultancies like yours. "
                "Would you be open to a guest post?\n\n" + "\n\n".join(wrap(p, lead["lang"]) for p in pad) + "\n")
        h = self.headers(lead, "Guest post collaboration", cs, lead["name"], lead["email"])
        h += "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n" % (cs, cte)
        return h.encode("ascii") + encode_body(text, cs, cte)

    def form_fields(self, lead, pad):
        r = self.r
        lang = lead["lang"]
        msg = " ".join(self.ask_lines(lead)) if lang != "ja" else "".join(self.ask_lines(lead))
        message = "\n\n".join([msg] + pad)
        f = []
        if r.random() < 0.5:
            f.append(("Your name", lead["name"]))
        else:
            first, last = (lead["name"].split(" ", 1) + [""])[:2]
            f += [("First name", first), ("Last name", last)]
        f.append((self.pick(["Your email", "Email", "Work email", "E-mail address"]), lead["email"]))
        if r.random() < 0.85:
            f.append((self.pick(["Company", "Company name", "Organisation"]), lead["company"]))
        if r.random() < 0.7:
            f.append((self.pick(["Employees", "Company size", "Number of employees"]), self.pick(EMPLOYEES)))
        if r.random() < 0.8:
            f.append(("Country", lead["cname"]))
        if r.random() < 0.7:
            f.append((self.pick(["Phone", "Phone number", "Telephone"]), lead["phone"]))
        if r.random() < 0.6:
            f.append(("Budget", self.pick(BUDGETS)))
        if r.random() < 0.7:
            f.append(("Service", self.pick(FORM_SERVICE[lead["offer"]])))
        if r.random() < 0.5:
            f.append(("Timeline", self.pick(FORM_TIMELINE)))
        if r.random() < 0.5:
            f.append(("How did you hear about us", "Referral" if lead["referral"] else self.pick(HEARD)))
        f.append((self.pick(["Message", "Your message", "How can we help?", "Details"]), message))
        return f

    def m_cf7(self, lead, pad):
        cs, cte = lead["cs"]
        lines = []
        for label, value in self.form_fields(lead, pad):
            if "\n" in value:
                value = "\n".join(wrap(p, lead["lang"]) for p in value.split("\n\n"))
            lines.append("%s: %s" % (label, value))
        text = "\n".join(lines) + ("\n\n-- \nThis e-mail was sent from a contact form on Northwind Analytics "
                                   "(https://northwind.example)\n")
        h = self.headers(lead, "[Northwind Analytics] New inquiry from " + lead["name"], cs, "Northwind Analytics",
                         "wordpress@northwind.example", reply_to=(lead["name"], lead["email"]),
                         extra=["X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)"])
        h += "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n" % (cs.upper(), cte)
        return h.encode("ascii") + encode_body(text, cs, cte)

    def m_jotform(self, lead, pad):
        cs, cte = lead["cs"]
        cell_l = ('<td style="padding:10px 14px;width:35%;background:#f3f3fe;border-bottom:1px solid #e6e6f2;'
                  'color:#2c3345;font-weight:bold;vertical-align:top;">')
        cell_v = '<td style="padding:10px 14px;border-bottom:1px solid #e6e6f2;color:#2c3345;">'
        rows = "".join("<tr>\n%s%s</td>\n%s%s</td>\n</tr>\n" % (
            cell_l, html.escape(l), cell_v, html.escape(v).replace("\n\n", "<br><br>\n"))
            for l, v in self.form_fields(lead, pad))
        doc = ('<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
               '\n<title>Request a Quote</title>\n</head>\n<body style="margin:0;padding:0;background:#f3f3fe;'
               'font-family:Arial,Helvetica,sans-serif;">\n<table width="100%" cellpadding="0" cellspacing="0" '
               'border="0" style="background:#f3f3fe;">\n<tr><td align="center" style="padding:24px;">\n<table '
               'width="600" cellpadding="0" cellspacing="0" border="0" style="background:#ffffff;border:1px solid '
               '#e6e6f2;">\n<tr><td style="padding:20px 24px;font-size:18px;color:#0a1551;">\nYou have a new '
               'submission for <b>Request a Quote</b>.\n</td></tr>\n<tr><td style="padding:0 24px 24px;">\n<table '
               'width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:14px;border-collapse:'
               'collapse;">\n' + rows + '</table>\n</td></tr>\n<tr><td style="padding:16px 24px;font-size:11px;'
               'color:#8d8fa8;">\nPowered by Jotform. You are receiving this email because notifications are\n'
               'turned on for this form.\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n')
        h = self.headers(lead, "Request a Quote - " + lead["name"], cs, "Jotform", "noreply@jotform.com",
                         reply_to=(lead["name"], lead["email"]))
        h += "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: %s\n\n" % cte
        return h.encode("ascii") + encode_body(doc, cs, cte, html_part=True)

    def m_gravity(self, lead, pad):
        cs, cte = lead["cs"]
        font = '<font style="font-family: sans-serif; font-size:12px;">'
        rows = []
        for label, value in self.form_fields(lead, pad):
            v = html.escape(value).replace("\n\n", "<br />\n<br />\n")
            if "@" in value and " " not in value:
                v = "<a href='mailto:%s'>%s</a>" % (v, v)
            rows.append('  <tr bgcolor="#EAF2FA"><td colspan="2">%s<strong>%s</strong></font></td></tr>\n'
                        '  <tr bgcolor="#FFFFFF"><td width="20">&nbsp;</td><td>%s%s</font></td></tr>\n'
                        % (font, html.escape(label), font, v))
        doc = ('<html>\n<body>\n<p>A new entry was submitted on Northwind Analytics.</p>\n<table width="99%" '
               'border="0" cellpadding="1" cellspacing="0" bgcolor="#EAEAEA"><tr><td>\n <table width="100%" '
               'border="0" cellpadding="5" cellspacing="0" bgcolor="#FFFFFF">\n  <tr bgcolor="#EEE"><td colspan="2" '
               'style="font-size:14px;font-weight:bold;">Your details</td></tr>\n' + "".join(rows) +
               ' </table>\n</td></tr></table>\n</body>\n</html>\n')
        h = self.headers(lead, "New submission from Contact us", cs, "Northwind Analytics",
                         "no-reply@northwind.example", reply_to=(lead["name"], lead["email"]),
                         extra=["X-Mailer: WordPress/6.6 Gravity Forms"])
        h += "Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: %s\n\n" % cte
        return h.encode("ascii") + encode_body(doc, cs, cte, html_part=True)

    # --- one message of about target bytes ----------------------------------
    def message(self, kind, target):
        r = self.r
        lead = self.lead(kind)
        lead["cs"] = self.charset_for(lead["lang"], kind)
        lead["subject"] = self.subject(lead)
        lead["sig"] = r.random() < 0.7
        lead["flowed"] = r.random() < 0.1
        lead["mailer"] = self.mailer()
        lead["alt"] = r.random() < 0.4 and lead["cs"][0] != "iso-2022-jp"
        lead["qstyle"] = self.pick(["outlook", "intro", "intro"])
        lead["hstyle"] = self.pick(["outlook", "gmail"])
        if kind == "alt" and lead["cs"][0] == "iso-2022-jp":
            lead["cs"] = ("utf-8", "base64")
        # padding paragraphs come from their own stream; the message is
        # rebuilt from the same state each time so only the padding grows
        prng = random.Random(r.getrandbits(64))
        state = r.getstate()
        pads = []
        data = self.build(kind, lead, pads)
        base = len(data)
        # add paragraphs until the message reaches target; if that crosses
        # MAX_SIZE, drop paragraphs again
        while len(data) < target:
            if pads:
                per = max(200.0, (len(data) - base) / len(pads))
                grow = max(1, int((target - len(data)) / per))
            else:
                grow = 1
            for _ in range(grow):
                pads.append(self.paragraph(lead, prng))
            r.setstate(state)
            data = self.build(kind, lead, pads)
        while len(data) > MAX_SIZE and pads:
            pads.pop()
            r.setstate(state)
            data = self.build(kind, lead, pads)
        return lead, data


def generate(n, seed, outdir, accounts):
    g = Generator(seed, accounts)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    stats = {"bytes": 0, "sizes": [], "kinds": {}, "charsets": {}, "langs": {}}
    t0 = time.monotonic()
    for i in range(n):
        kind = g.r.choices(kinds, weights)[0]
        target = g.r.randint(MIN_SIZE, MAX_SIZE)
        # each message draws from its own stream so that sizes do not shift
        # the content of the next one
        sub = Generator(g.r.getrandbits(64), accounts)
        sub.serial = i
        lead, data = sub.message(kind, target)
        g.domains |= sub.domains
        cs = lead["cs"][0] + "/" + lead["cs"][1]
        name = "%06d-%s-%s.eml" % (i, kind, lead["cs"][0])
        with open(os.path.join(outdir, name), "wb") as fp:
            fp.write(data)
        stats["bytes"] += len(data)
        stats["sizes"].append(len(data))
        stats["kinds"][kind] = stats["kinds"].get(kind, 0) + 1
        stats["charsets"][cs] = stats["charsets"].get(cs, 0) + 1
        stats["langs"][lead["lang"]] = stats["langs"].get(lead["lang"], 0) + 1
        if sys.stderr.isatty() and (i + 1) % 500 == 0:
            sys.stderr.write("\rgenerating: %d/%d" % (i + 1, n))
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 40 + "\r")
    stats["gen_seconds"] = time.monotonic() - t0
    return stats, g.domains


# ---------------------------------------------------------------------------
# The rules' accounts file
# ---------------------------------------------------------------------------

def rules_reference(rules_file, keyword):
    """The file named by `keyword "FILE"` in rules_file, or None."""
    with open(rules_file, encoding="utf-8") as fp:
        for line in fp:
            s = line.split("#", 1)[0].strip()
            if s.startswith(keyword + " ") and '"' in s:
                return s.split('"')[1]
    return None


def read_accounts(rules_file):
    ref = rules_reference(rules_file, "accounts")
    if ref is None:
        return None, [], []
    path = ref if os.path.isabs(ref) else os.path.join(os.path.dirname(rules_file), ref)
    with open(path, encoding="utf-8", newline="") as fp:
        rows = list(csv.reader(fp))
    return path, rows[0] if rows else [], rows[1:]


def account_pairs(rules_file):
    """[(domain, name)] of the accounts file rules_file names (or [])."""
    _, header, rows = read_accounts(rules_file)
    if not header:
        return []
    lower = [h.strip().lower() for h in header]
    di = lower.index("domain")
    ni = lower.index("name") if "name" in lower else di
    return [(r[di], r[ni]) for r in rows if len(r) > max(di, ni)]
